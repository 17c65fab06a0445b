package io.meshspine.dlq.cli;

import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Steward;
import picocli.CommandLine.Command;

/** {@code spine dlq park --reason <why>}: the matching active dead letters leave the queue; nothing is deleted. */
@Command(name = "park", mixinStandardHelpOptions = true,
        description = "Take the matching active dead letters out of the queue, copying their envelopes to the parked topic.")
final class ParkCommand extends LeaveQueueCommand {

    @Override
    ActionReport leave(DlqWorkbench bench, DeadLetterFilter filter, String reason, Steward who) {
        return bench.park(filter, reason, who);
    }
}
