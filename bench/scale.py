"""``make bench-scale``: the key pages at 1,000, 10,000 and 100,000 people in the database.

The rows each page shows stay the same at every size (the advocate's 200 people, 25 a page; the
organisation's 500 referrals; the 130-entry plan; the person's own plan): only what is around them
grows. Each size gets its own database (``<database>_<people>``, reused while the seed and the
migrations are unchanged), its own server, and a floor measured beside the pages, so a page's cost
is its floors per request at that size. The table and a chart go to docs/benchmarks.md (a section of
their own) and docs/benchmarks-growth.svg.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bench import run

KEY_PAGES = (run.CASELOAD, run.BIG_PLAN, run.INBOX, run.OWN_PLAN)
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#6f72af")


def run_scale(args, sizes: list[int]) -> None:
    """Measure every size, then report; exits non-zero when a page grows past the budget or its queries change."""
    load_before = os.getloadavg()
    measured: dict[int, dict] = {}
    for people in sizes:
        database_url, ids = run.seeded_database(args.admin_url, f"{args.database}_{people}", people, fresh=args.fresh)
        server = run._serve(database_url, args.port, args.workers, args.threads, args.clients)
        try:
            cookies = {
                who: run.sign_in(args.port, ids[who], ids["password"]) for who in ("advocate", "worker", "person")
            }
            pages = [page for page in run._key_pages(ids, cookies) if page[0] in (run.FLOOR, *KEY_PAGES)]
            pages = [(name, path, cookie, None) for name, path, cookie, _few in pages]
            checks = {name: queries for name, queries, _few, _size in run._check_queries(args.port, pages)}
            loads = [
                (name, path, cookie, "", run._still_answers(args.port, path, cookie)) for name, path, cookie, _ in pages
            ]
            results = run._load_rounds(args.port, loads, args.rounds, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        measured[people] = {"results": results, "queries": checks}
    _report(args, sizes, measured, (load_before, os.getloadavg()))


def _cost(results: dict, name: str) -> float:
    """Floors per request: the floor's requests per second over the page's (the floor beside it, median of the
    rounds)."""
    share = results[name]["share"]
    return 1 / share if share else float("inf")


def _report(args, sizes: list[int], measured: dict, loads) -> None:
    smallest, largest = sizes[0], sizes[-1]
    lines = [
        "## Growth: the key pages as the partnership grows",
        "",
        f"Measured by `make bench-scale` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (load average "
        f"{loads[0][0]:.2f} before, {loads[1][0]:.2f} after; {args.clients} connections, {args.seconds:.0f} s a "
        f"page, {args.rounds} round(s), medians). Each size has its own database and server and its own floor; "
        "a page's cost is the floor's requests per second over the page's (floors per request). The rows each "
        "page shows are the same at every size: only the rest of the database grows. Budget (DESIGN.md §6): "
        f"within {run.GROWTH_BUDGET}× from the smallest to the largest, and the same queries at every size.",
        "",
        "| Page | " + " | ".join(f"{n:,} people: floors (req/s), queries" for n in sizes) + " | growth | met |",
        "|---|" + "---|" * (len(sizes) + 2),
    ]
    floors = [f"1 ({measured[n]['results'][run.FLOOR]['rps']}), {measured[n]['queries'][run.FLOOR]}" for n in sizes]
    lines.append(f"| {run.FLOOR} | " + " | ".join(floors) + " | – | – |")
    missed = []
    for name in KEY_PAGES:
        cells = [
            f"{_cost(measured[n]['results'], name):.1f} ({measured[n]['results'][name]['rps']}), "
            f"{measured[n]['queries'][name]}"
            for n in sizes
        ]
        growth = _cost(measured[largest]["results"], name) / _cost(measured[smallest]["results"], name)
        same_queries = len({measured[n]["queries"][name] for n in sizes}) == 1
        met = growth <= run.GROWTH_BUDGET and same_queries
        if not met:
            missed.append(f"{name}: ×{growth:.2f}, queries {[measured[n]['queries'][name] for n in sizes]}")
        lines.append(f"| {name} | {' | '.join(cells)} | ×{growth:.2f} | {'yes' if met else '**no**'} |")
    chart = Path(args.output).with_name("benchmarks-growth.svg")
    chart.write_text(_svg(sizes, measured))
    lines += ["", f"![Floors per request by people in the database]({chart.name})", ""]
    run.write_section(Path(args.output), "growth", lines)
    print("\n".join(lines))
    if missed:
        raise SystemExit("growth budget missed:\n- " + "\n- ".join(missed))


def _svg(sizes: list[int], measured: dict) -> str:
    """A small line chart: floors per request (up) by people in the database (across, evenly spaced)."""
    width, height, left, bottom, top, right = 520, 260, 50, 40, 20, 190
    costs = {name: [_cost(measured[n]["results"], name) for n in sizes] for name in KEY_PAGES}
    most = max(max(values) for values in costs.values()) * 1.15 or 1

    def x(i: int) -> float:
        return left + (width - left - right) * (i / max(1, len(sizes) - 1))

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / most)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="11" role="img" aria-labelledby="t">',
        '<title id="t">Each key page\'s cost in floors per request at each number of people</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#505a5f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#505a5f"/>',
        f'<text x="{left - 8}" y="{top - 6}" text-anchor="start">floors per request</text>',
    ]
    for tick in range(0, int(most) + 1, max(1, int(most) // 5)):
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="#e5e6e7"/>')
    for i, people in enumerate(sizes):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">{people:,} people</text>')
    for k, (name, values) in enumerate(costs.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts += [f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>' for i, v in enumerate(values)]
        label = name.split(" (")[0]
        parts.append(f'<rect x="{width - right + 12}" y="{top + 18 * k}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 27}" y="{top + 18 * k + 9}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
