"""bench/run's table: per scenario, cclibs' figure, the reference's, their ratio, the target
and whether it was met, and how much CPU other processes took while each was measured."""

from __future__ import annotations

from dataclasses import dataclass

from _loads import Measured

__all__ = ["Row", "print_table"]


@dataclass
class Row:
    scenario: str  # the --only name
    label: str
    unit: str
    cclibs: Measured | None
    reference: Measured | None
    ref_label: str
    bound_op: str | None = None  # ">=" or "<="
    bound: float = 0.0
    bound_of: str = "ratio"  # the bound applies to the ratio, or to cclibs' value
    measured: str = "cclibs"  # what the first figure is of (bench/floor_app.py: "floor app")

    @property
    def ratio(self) -> float | None:
        if self.cclibs is None or self.reference is None or not self.reference.value:
            return None
        return self.cclibs.value / self.reference.value

    def target(self) -> str:
        if self.bound_op is None:
            return "-"
        unit = "x" if self.bound_of == "ratio" else f" {self.unit}"
        return f"{self.bound_op} {self.bound:g}{unit}"

    def verdict(self) -> str:
        if self.bound_op is None:
            return "-"
        if self.bound_of == "ratio":
            value = self.ratio
        else:
            value = self.cclibs.value if self.cclibs is not None else None
        if value is None:
            return "not run"
        met = value >= self.bound if self.bound_op == ">=" else value <= self.bound
        if met:
            return "met"
        # How far off: the factor the figure must still move by.
        factor = self.bound / value if self.bound_op == ">=" else value / self.bound
        return f"MISSED ({factor:.1f}x off)"


def _number(figure: Measured | None) -> str:
    if figure is None:
        return "-"
    value = figure.value
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _other(figure: Measured | None) -> str:
    return "-" if figure is None else f"{figure.other_cpu:.0%}"


def print_table(rows: list[Row], seconds: float, redone: int, max_other: float) -> None:
    head = (
        f"{'scenario':<38}{'unit':<9}{'cclibs':>9}{'reference':>11}  {'(reference is)':<22}"
        f"{'ratio':>7}  {'target':<12}{'result':<18}{'other CPU':>10}"
    )
    print(f"\n{head}\n{'-' * len(head)}")
    disturbed = False
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        other = f"{_other(r.cclibs)}/{_other(r.reference)}"
        disturbed |= any(f is not None and f.other_cpu > max_other for f in (r.cclibs, r.reference))
        print(
            f"{r.label:<38}{r.unit:<9}{_number(r.cclibs):>9}{_number(r.reference):>11}  "
            f"{r.ref_label:<22}{ratio:>7}  {r.target():<12}{r.verdict():<18}{other:>10}"
        )
    print(
        "\nratio: cclibs / reference. other CPU: the share of the 2 CPUs that processes other than"
        " the server measured,\nits database backends and the load generator took during the "
        "measurement (cclibs / reference)."
    )
    print("latency under load (ms, p50 / p99), failed answers:")
    for r in rows:
        for who, figure in ((r.measured, r.cclibs), (r.ref_label, r.reference)):
            if figure is not None and (figure.p50_ms or figure.failed):
                cpu = f", {figure.app_cpu_ms:.2f} ms server CPU each" if figure.app_cpu_ms else ""
                print(
                    f"  {r.label:<38}{who:<26}{figure.p50_ms:>8.1f} /{figure.p99_ms:>8.1f}"
                    f"  failed {figure.failed}{cpu}"
                )
                for failure in dict.fromkeys(figure.failures):
                    print(f"      e.g. {failure[:110]}")
    print(f"whole run: {seconds:.0f} s; {redone} disturbed loads redone")
    if disturbed:
        print(f"NOTE: figures with other CPU > {max_other:.0%} stayed disturbed: noisy")
