package io.meshspine.dlq.cli;

import io.meshspine.dlq.ListPage;
import io.meshspine.dlq.QueueEntry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq list}: the dead letters matching a filter, one line each, no payload. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, newest first, a page at a time (the active queue unless --status says otherwise).")
final class ListCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--limit", paramLabel = "<n>", defaultValue = "" + ListPage.DEFAULT_LIMIT, description = "Page size (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", paramLabel = "<cursor>", description = "The next page: the cursor the previous page printed.")
    String cursor;

    @Option(names = "--order", paramLabel = "<order>", completionCandidates = Orders.class, description = "${COMPLETION-CANDIDATES} "
            + "first (default newest).")
    String order;

    /** The orders as help lists them, from the enum. */
    static final class Orders extends java.util.ArrayList<String> {
        Orders() {
            super(java.util.Arrays.stream(ListPage.Order.values()).map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
    }

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            ListPage page = bench.page(filter.filter(), who, ListPage.Order.parse(order), cursor, limit);
            DlqCommand.noteScope(spec, page.scope());
            var out = spec.commandLine().getOut();
            if (json) {
                page.items().forEach(e -> out.println(bench.row(e)));
            } else {
                Table table = new Table("ID", "DEAD-LETTERED", "CONTRACT", "TYPE", "RULES", "REPLAYS", "STATUS", "REPAIRED");
                for (QueueEntry e : page.items()) {
                    table.row(e.id(), e.deadLetteredAt(), e.contract(), e.failureType(), String.join(",", e.ruleIds()), e.replayCount(),
                            e.status().name().toLowerCase(java.util.Locale.ROOT), e.repaired() ? "yes" : "");
                }
                table.print(out);
                out.println(page.total() + " dead letter(s)" + (page.items().size() < page.total() ? ", " + page.items().size() + " shown" : ""));
            }
            out.flush();
            if (page.nextCursor() != null) {
                spec.commandLine().getErr().println("next page: --cursor " + page.nextCursor());
                spec.commandLine().getErr().flush();
            }
            return 0;
        });
    }
}
