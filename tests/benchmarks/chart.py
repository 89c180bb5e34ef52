"""The suite's chart: throughput against the peers, query latency by route, growth with size, RSS over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the chart only goes to a file

import matplotlib.pyplot as plt  # after the backend is chosen

MILLION = 1_000_000
OURS, PEER = "#1f77b4", "#ff7f0e"


def draw(found: dict, path: Path) -> None:
    figure = plt.figure(figsize=(18, 10), layout="constrained")
    grid = figure.add_gridspec(2, 3, width_ratios=(1, 1, 1.2))
    otlp(figure.add_subplot(grid[0, 0]), found.get("otlp", {}))
    rest(figure.add_subplot(grid[0, 1]), found.get("rest", {}))
    growth(figure.add_subplot(grid[1, 0]), found.get("ingest", {}), found.get("queries", {}))
    sustain(figure.add_subplot(grid[1, 1]), found.get("sustain"))
    queries(figure.add_subplot(grid[:, 2]), found.get("queries", {}))
    figure.suptitle(f"agent-collector side by side: {found['command']}", fontsize=11)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def bars(ax, labels: list[str], values: list[float], colors: list[str], unit: str, title: str) -> None:
    """Horizontal bars on a log scale: the peers are orders of magnitude apart."""
    ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title)
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:,.0f}", va="center", fontsize=9)
    if values:
        ax.set_xlim(right=max(values) * 20)


def otlp(ax, results: dict) -> None:
    labels, values, colors = [], [], []
    for (server, transport), r in results.items():
        if "skipped" in r:
            continue
        for kind in ("acked", "stored"):
            labels.append(f"{server}, {transport}, {'acknowledged' if kind == 'acked' else 'committed'}")
            values.append(r[f"{kind}_per_s"])
            colors.append(OURS if server == "agent-collector" else PEER)
    bars(ax, labels, values, colors, "spans/s (log)", "OTLP traces")


def rest(ax, results: dict) -> None:
    labels, values, colors = [], [], []
    for (server, workload), r in results.items():
        if "skipped" in r:
            continue
        labels.append(f"{server}, {'/v1/runs' if workload == 'agentd' else '/v1/events/batch'}")
        values.append(r["per_s"])
        colors.append(OURS if server == "agent-collector" else PEER)
    bars(ax, labels, values, colors, "events/s acknowledged = committed (log)", "REST ingest")


def p50(columns: dict[str, float]) -> float | None:
    return next((v for k, v in columns.items() if "p50" in k), None)


def queries(ax, results: dict) -> None:
    """p50 per route (default parameters) at each size."""
    if not results:
        ax.set_visible(False)
        return
    sizes = sorted(results)
    routes = [r for r in results[sizes[0]]["routes"] if "?" not in r]
    height = 0.8 / len(sizes)
    for i, size in enumerate(sizes):
        values = [p50(results[size]["routes"].get(route, {})) or 0 for route in routes]
        ax.barh([y + i * height for y in range(len(routes))], values, height=height,
                label=f"{size // MILLION} M events")
    ax.set_yticks([y + height * (len(sizes) - 1) / 2 for y in range(len(routes))], routes, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(50, color="red", linestyle="--", linewidth=1, label="50 ms target")
    ax.set_xlabel("p50 ms, warm")
    ax.set_title("Query latency by route")
    ax.legend(fontsize=8)


def growth(ax, ingest: dict, query_results: dict) -> None:
    if not ingest:
        ax.set_visible(False)
        return
    sizes = sorted(ingest)
    ax.plot([s / MILLION for s in sizes], [ingest[s]["acked_per_s"] for s in sizes], "o-", color=OURS,
            label="ingest spans/s (OTLP/gRPC)")
    ax.set_xlabel("events in the database (M)")
    ax.set_ylabel("spans/s acknowledged")
    ax.set_ylim(bottom=0)
    ax.set_title("Growth")
    sized = [s for s in sizes if s in query_results]
    if sized:
        latency = ax.twinx()
        worst = [max(filter(None, map(p50, query_results[s]["routes"].values()))) for s in sized]
        latency.plot([s / MILLION for s in sized], worst, "s--", color=PEER, label="slowest route p50 ms")
        latency.set_ylabel("slowest route p50 ms")
        latency.set_ylim(bottom=0)
        latency.legend(loc="upper right", fontsize=8)
    ax.legend(loc="lower left", fontsize=8)


def sustain(ax, result: dict | None) -> None:
    if not result:
        ax.set_visible(False)
        return
    ax.plot([t / 60 for t, _ in result["samples"]], [rss / 2**20 for _, rss in result["samples"]], color=OURS)
    ax.axhline(1024, color="red", linestyle="--", linewidth=1, label="1 GiB target")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("minutes")
    ax.set_ylabel("server RSS MiB")
    ax.set_title(f"Sustained OTLP/HTTP, {result['per_s']:,.0f} spans/s")
    ax.legend(fontsize=8)
