package io.meshspine.dlq.cli;

import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Steward;
import picocli.CommandLine.Command;

/** {@code spine dlq resolve --reason <why>}: the matching active dead letters leave the queue; nothing is deleted. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = "Mark the matching active dead letters as dealt with; they leave the queue and stay on the DLQ.")
final class ResolveCommand extends LeaveQueueCommand {

    @Override
    ActionReport leave(DlqWorkbench bench, DeadLetterFilter filter, String reason, Steward who) {
        return bench.resolve(filter, reason, who);
    }
}
