package io.meshspine.dlq.cli;

import io.meshspine.dlq.QueuedDeadLetter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code spine dlq list}: the dead letters matching a filter, one line each, no payload. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters (the active queue unless --status says otherwise).")
final class ListCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--limit", paramLabel = "<n>", defaultValue = "100", description = "At most n, the newest (default ${DEFAULT-VALUE}; 0: all).")
    int limit;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            var selection = bench.select(filter.filter(), who);
            DlqCommand.noteScope(spec, selection.scope());
            List<QueuedDeadLetter> all = selection.letters();
            List<QueuedDeadLetter> shown = limit > 0 && all.size() > limit ? all.subList(all.size() - limit, all.size()) : all;
            var out = spec.commandLine().getOut();
            if (json) {
                shown.forEach(q -> out.println(bench.row(q)));
                out.flush();
                return 0;
            }
            Table table = new Table("ID", "DEAD-LETTERED", "CONTRACT", "TYPE", "RULES", "REPLAYS", "STATUS", "REPAIRED");
            for (QueuedDeadLetter q : shown) {
                var d = q.letter();
                table.row(d.id(), d.deadLetteredAt(), d.contract(), d.failureType(), String.join(",", d.ruleIds()), d.replayCount(),
                        q.status().name().toLowerCase(java.util.Locale.ROOT), q.state().repair() != null ? "yes" : "");
            }
            table.print(out);
            out.println(all.size() + " dead letter(s)" + (shown.size() < all.size() ? ", the newest " + shown.size() + " shown" : ""));
            out.flush();
            return 0;
        });
    }
}
