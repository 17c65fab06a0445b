package io.meshspine.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(SpineExtension.class)}: hands tests the JVM-wide {@link SpineTestKit} (one real broker and one
 * real registry, started on first use) as a constructor, method or lifecycle parameter.
 */
public final class SpineExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == SpineTestKit.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return SpineTestKit.shared();
    }
}
