package io.meshspine.dlq.cli;

import io.meshspine.dlq.DlqSettings;

import java.util.ListResourceBundle;

/**
 * Help text that comes from the code's own declarations (the roles enum, the filter's parameter names), for
 * {@code ${bundle:...}} in the commands' descriptions: annotations take only constants, and a list typed by hand drifts.
 */
public final class DlqHelp extends ListResourceBundle {

    @Override
    protected Object[][] getContents() {
        return new Object[][]{
                {"roles", DlqSettings.ROLES},
                {"filters", FilterOptions.NAMES},
        };
    }
}
