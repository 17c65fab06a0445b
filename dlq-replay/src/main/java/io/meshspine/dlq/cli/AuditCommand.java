package io.meshspine.dlq.cli;

import io.meshspine.dlq.AuditEntry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code spine dlq audit}: who did what to which dead letters, when (from spine.audit). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit trail of the workbench, newest last.")
final class AuditCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--limit", paramLabel = "<n>", defaultValue = "" + AuditEntry.DEFAULT_LIMIT, description = "The newest n entries (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            List<AuditEntry> entries = bench.audit(limit, who);
            var out = spec.commandLine().getOut();
            if (json) {
                entries.forEach(e -> out.println(e.toJson()));
            } else {
                Table table = new Table("AT", "WHO", "VIA", "ACTION", "COUNT", "OUTCOME", "FILTER", "DETAILS");
                entries.forEach(e -> table.row(e.at(), e.who(), e.via(), e.action(), e.count(), e.outcome(), e.filter(), e.details() == null ? null
                        : e.details().has("counts") ? e.details().get("counts") : e.details()));
                table.print(out);
            }
            out.flush();
            return 0;
        });
    }
}
