"""One rule's run over its subjects within the policy's time budget (``limits.max-check-seconds``).

Phase 2 runs each rule over the whole project. A rule that runs past its budget on a hostile
project (a huge prompt, a pathological chain of references) is stopped where it is: the
findings it made so far are kept, and one LA000 names the rule, the budget and the file it was
checking, so the run ends and says what it did not finish. A rule that raises is one LA000 on
the subject it raised on, and the rule goes on with the next subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from auditor.findings import Finding
from auditor.sources.budget import run_within
from auditor.sources.python import file_error


def _path_of(subject: Any) -> str:
    return getattr(subject, "path", "") or "<project>"


def run_rule(
    rule: Any, fn: Callable[[Any, Any], Iterable[Finding]], subjects: list[Any], ctx: Any, severity: str, overridden: bool,
    seconds: float, findings: list[Finding], notes: list[str] | None = None,
) -> bool:
    """Append ``rule``'s findings over ``subjects`` to ``findings``; False when it was stopped."""
    current: list[Any] = [None]

    def over_all() -> None:
        for subject in subjects:
            current[0] = subject
            try:
                for f in fn(subject, ctx):
                    if overridden or f.severity == rule.severity:
                        f.severity = severity
                    findings.append(f)
            except Exception as e:  # noqa: BLE001 - a check bug must not take the run down
                findings.append(file_error(_path_of(subject), f"internal error in {rule.code} {rule.name}: {e.__class__.__name__}: {e}"))

    done, _ = run_within(seconds, over_all)
    if done:
        return True
    subject = current[0]
    path = _path_of(subject) if subject is not None else "<project>"
    if path == "<project>":
        message = f"{rule.code} {rule.name} took longer than {seconds:g} s and was stopped (policy `limits.max-check-seconds`): its findings in this run are incomplete"
    else:
        message = (
            f"{rule.code} {rule.name} took longer than {seconds:g} s and was stopped while checking {path} "
            f"(policy `limits.max-check-seconds`): its findings in this file and in the files it had not reached are missing"
        )
    findings.append(file_error(path, message))
    if notes is not None:
        notes.append(message)
    return False
