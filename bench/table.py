"""The table the benchmark prints on stdout, from the results (bench.json)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench.labels import CORES, PHASE_TITLES, PROCESSES, latency, times


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:g}{unit}" if isinstance(value, float | int) else str(value)


def _acknowledgement(results: dict[str, Any]) -> Iterator[str]:
    """Acknowledgement latency per phase."""
    phases = results["phases"]
    yield "Acknowledgement (webhook due → the connector's HTTP 200, retries included)"
    header = f"  {'phase':<18}{'sent':>6}{'p50':>12}{'p95':>12}{'p99':>12}{'max':>12}"
    yield header + f"{'acks/s':>9}{'1st not 200':>13}{'retried ok':>11}{'never':>7}"
    for name in ("steady", "burst", "conversations"):
        ack = phases[name]["acknowledgement"]
        lat = ack["latency_ms"]
        not_ok = ack["webhooks"] - ack["acknowledged_first_attempt"]
        yield (
            f"  {PHASE_TITLES[name]:<18}{ack['webhooks']:>6}"
            + "".join(f"{latency(lat, k, ' ms'):>12}" for k in ("p50", "p95", "p99", "max"))
            + f"{ack['acks_per_second']:>9g}{not_ok:>13}{ack['acknowledged_after_retries']:>11}"
            f"{ack['never_acknowledged']:>7}"
        )
        answers = ack["first_attempt_answers"]
        if set(answers) - {"200"}:
            yield f"  {'':<18}first attempts answered: {answers}"
        if ack["seconds_until_all_acknowledged"] is not None:
            yield (
                f"  {'':<18}all acknowledged {ack['seconds_until_all_acknowledged']} s after start"
            )


def _replies(results: dict[str, Any]) -> Iterator[str]:
    """Reply latency, ours against the REST baseline."""
    phases = results["phases"]
    yield "Reply latency (webhook due → first bot reply)"
    yield (
        f"  {'channel':<38}{'turns':>6}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'turns/s':>9}"
        f"{'msgs/s':>8}"
    )
    ours = phases["conversations"]["replies"]
    base = phases["rest_baseline"]["replies"]
    rows = [
        ("WhatsApp channel, first reply (ours)", ours["first_reply_latency_s"], ours),
        ("WhatsApp channel, last reply", ours["last_reply_latency_s"], ours),
        ("Rasa REST channel (baseline)", base["reply_latency_s"], base),
    ]
    for title, lat, source in rows:
        yield (
            f"  {title:<38}{lat['count']:>6}"
            + "".join(f"{latency(lat, k, ' s'):>10}" for k in ("p50", "p95", "p99", "max"))
            + f"{source['turns_answered_per_second']:>9g}{source['reply_messages_per_second']:>8g}"
        )
        if lat["unfinished"]:
            yield (
                f"  {'':<38}{lat['unfinished']} turn(s) not answered when the benchmark "
                "stopped waiting (≥: a lower bound)"
            )
    cmp = results["comparison_with_rest"]
    yield (
        f"  ours/baseline: reply p50 {times(cmp['reply_latency_p50'])}, "
        f"p95 {times(cmp['reply_latency_p95'])}, "
        f"throughput ×{cmp['throughput_turns_per_second']:g} "
        f"(last reply p50 {times(cmp['last_reply_latency_p50'])})"
    )
    yield (
        "  REST does not store anything in the platform (nor send to WhatsApp): the ratio "
        "shows the cost of durability."
    )
    yield f"  {ours['measured_with']}; REST: {base['measured_with']}."
    steps = ", ".join(
        f"{step} {'≥' if f['p50_is_lower_bound'] else ''}{_fmt(f['p50_s'], ' s')} ({f['turns']})"
        for step, f in ours["first_reply_by_step"].items()
    )
    yield f"  phase 3 first reply p50 by step (turns): {steps}"
    in_a_row = ours["second_of_two_in_a_row_first_reply_s"]
    yield (
        f"  second of two messages in a row: p50 {latency(in_a_row, 'p50', ' s')} "
        f"({in_a_row['count']} turns)"
    )
    gap = ours["gap_between_replies_of_a_turn_s"]
    yield (
        f"  gap between consecutive replies of one turn: p50 {latency(gap, 'p50', ' s')}"
        f", p95 {latency(gap, 'p95', ' s')} ({gap['count']} gaps)"
    )


def _checks(results: dict[str, Any]) -> Iterator[str]:
    """What the platform stored and the customers received."""
    phases = results["phases"]
    yield "Checks (through GET /api/conversations and /api/conversations/{id}/messages)"
    for name in ("steady", "burst", "conversations"):
        s = phases[name]["storage"]
        yield (
            f"  {PHASE_TITLES[name]:<18}{s['unique_wamids_sent']} wamids, {s['acknowledged']} "
            f"acknowledged: {s['stored_exactly_once']} stored exactly once, {s['lost']} lost "
            f"(acknowledged, not stored), {s['stored_more_than_once']} stored twice"
        )
        if s["not_acknowledged_in_time"]:
            yield (
                f"  {'':<18}{s['not_acknowledged_in_time']} never acknowledged within the "
                f"retries (Meta would keep retrying; not lost), "
                f"{s['not_acknowledged_but_stored']} of them stored anyway"
            )
    a = phases["conversations"]["answers"]
    yield (
        f"  {'3 conversations':<18}{a['answered']}/{a['stored_turns']} stored turns answered "
        f"(bot_status {a['bot_status']}); {a['replies']} replies; turns with a reply_seq "
        f"repeated: {a['reply_seq_repeated_turns']}, not numbered 0..n-1: "
        f"{a['reply_seq_not_0_to_n_minus_1_turns']}; reply statuses {a['reply_statuses']}"
    )
    yield (
        f"  {'':<18}simulator inboxes {a['messages_in_simulator_inboxes']} vs stored bot "
        f"messages {a['bot_messages_stored_for_these_customers']} (equal: "
        f"{a['inbox_equals_stored']}); received more often than stored: "
        f"{a['messages_received_more_often_than_stored']} message(s) for "
        f"{a['customers_who_received_a_message_twice']} customer(s); stored as sent but not "
        f"received: {a['stored_as_sent_but_not_received']}"
    )
    for wa_id, texts in a["examples_received_twice"].items():
        yield f"  {'':<18}e.g. {wa_id} received again: {texts}"


def _cpu(results: dict[str, Any]) -> Iterator[str]:
    """CPU seconds per phase and peak memory."""
    phases = results["phases"]
    yield "CPU seconds (% of one core) per phase, and peak RSS"
    yield (
        f"  {'phase':<18}"
        + "".join(f"{p:>17}" for p in PROCESSES)
        + f"{f'{CORES} cores busy':>14}{'others':>8}{'steal':>7}"
    )
    for name in ("steady", "burst", "conversations", "rest_baseline"):
        cpu = phases[name]["cpu"]
        yield (
            f"  {PHASE_TITLES[name]:<18}"
            + "".join(
                f"{cpu['cpu_seconds'][p]:>10g} ({cpu['cpu_percent_of_one_core'][p]:>3}%)"
                for p in PROCESSES
            )
            + f"{cpu['machine_busy_percent']:>13}%"
            + f"{cpu['other_processes_percent_of_machine']:>7}%"
            + f"{cpu['steal_percent_of_machine']:>6}%"
        )
    peak = results["processes"]["peak_rss_mb"]
    yield (f"  {'peak RSS':<18}" + "".join(f"{_fmt(peak.get(p), ' MB'):>17}" for p in PROCESSES))
    whole = results["processes"]["cpu_seconds_whole_run"]
    yield (f"  {'whole run CPU s':<18}" + "".join(f"{_fmt(whole.get(p)):>17}" for p in PROCESSES))
    yield f"  {results['run']['profiler']}"


def open_tabs_lines(results: dict[str, Any]) -> list[str]:
    """Acknowledgement latency of the same webhooks with no inbox tab open and with N."""
    tabs = results["open_tabs"]
    phases = results["phases"]
    without = phases["tabs_0"]["acknowledgement"]
    with_tabs = phases[f"tabs_{tabs['tabs']}"]["acknowledgement"]
    lines = [
        f"Open inbox tabs (conversation lists with their live stream, {tabs['advisors']} "
        f"advisors signed in; {without['offered_per_second']} webhooks/s)",
        f"  {'':<22}{'0 tabs':>12}{str(tabs['tabs']) + ' tabs':>12}{'change':>10}",
    ]
    for key in ("p50", "p95", "p99", "max"):
        before, after = without["latency_ms"].get(key), with_tabs["latency_ms"].get(key)
        change = f"{100 * (after - before) / before:+.0f}%" if before and after is not None else "—"
        lines.append(
            f"  {'ack ' + key:<22}{latency(without['latency_ms'], key, ' ms'):>12}"
            f"{latency(with_tabs['latency_ms'], key, ' ms'):>12}{change:>10}"
        )
    cpu_before = phases["tabs_0"]["cpu"]["cpu_percent_of_one_core"]
    cpu_after = phases[f"tabs_{tabs['tabs']}"]["cpu"]["cpu_percent_of_one_core"]
    lines.append(
        f"  {'platform CPU (% core)':<22}{_fmt(cpu_before.get('platform')):>12}"
        f"{_fmt(cpu_after.get('platform')):>12}"
    )
    lines.append(
        f"  live updates received by the tabs during the phase: "
        f"{tabs['updates_received_during_phase']}; streams failed or ended: "
        f"{tabs['streams_failed_or_ended']}"
    )
    verdict = "met" if tabs["met"] else "MISSED"
    lines.append(
        f"  [{verdict}] p99 {tabs['p99_increase_percent']:+g}% "
        f"(target at most +{tabs['target_increase_percent']:g}%)"
        if tabs["p99_increase_percent"] is not None
        else f"  [{verdict}] no p99 to compare"
    )
    return lines


def table(results: dict[str, Any]) -> str:
    phases = results["phases"]
    out: list[str] = []
    add = out.append
    add("")
    add(f"PROSUMINISTROS load benchmark · {results['run']['at']} · {results['run']['machine']}")
    add(f"  {results['run']['database']}; {results['run']['ack_traffic']}")
    add(f"  {results['run']['latency_origin']}")
    for section in (_acknowledgement, open_tabs_lines, _replies, _checks, _cpu):
        add("")
        out += list(section(results))
    add("")
    add("Targets")
    for target in results["targets"]:
        add(f"  [{'met' if target['met'] else 'MISSED'}] {target['target']}: {target['measured']}")
    if results["where_the_time_goes"]:
        add("")
        add("Where the time goes")
        for line in results["where_the_time_goes"]:
            add(f"  {line}")
    notes = [n for p in phases.values() for n in p.get("notes", [])] + results["run"]["notes"]
    if notes:
        add("")
        add("Notes")
        for note in notes:
            add(f"  - {note}")
    return "\n".join(out)
