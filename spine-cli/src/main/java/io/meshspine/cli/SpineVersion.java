package io.meshspine.cli;

import picocli.CommandLine;

final class SpineVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Spine.class.getPackage().getImplementationVersion();
        return new String[]{"meshspine " + (version == null ? "(development build)" : version),
                "Java " + Runtime.version()};
    }
}
