"""Sessions, login throttling and reading a model's outcomes: the web's own logic, on a controlled clock."""

from __future__ import annotations

from pathlib import Path

from xietong.web.model_reading import read_model
from xietong.web.sessions import LoginThrottle, SessionStore

MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "siyang" / "siyang_joint_enforcement.bpmn"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_session_ends_and_a_used_one_lives_on() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=1800, clock=clock)
    session = store.create(
        username="sy_justice", display_name="王", groups=("siyang.justice",), roles=("clerk",),
        credentials=("sy_justice", "pw"),
    )  # fmt: skip
    clock.now += 1700
    assert store.get(session.id) is session  # used: idle time starts again
    clock.now += 1700
    assert store.get(session.id) is session
    clock.now += 1801
    assert store.get(session.id) is None
    assert store.get(session.id) is None  # gone for good
    assert not session.csrf_ok("") and not session.csrf_ok("x") and session.csrf_ok(session.csrf)


def test_failed_logins_pause_the_account_and_the_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_account=3, per_address=5, window=900, clock=clock)
    for _ in range(3):
        assert throttle.paused_for("sy_justice", "10.0.0.1") == 0
        throttle.failed("sy_justice", "10.0.0.1")
    assert throttle.paused_for("SY_JUSTICE", "10.0.0.9") == 900  # the account, from any address
    assert throttle.paused_for("sy_centre", "10.0.0.1") == 0  # the address is not at its limit yet
    throttle.failed("sy_centre", "10.0.0.1")
    throttle.failed("sy_other", "10.0.0.1")
    assert throttle.paused_for("sy_supervisor", "10.0.0.1") == 900  # the address, for any account
    clock.now += 901
    assert throttle.paused_for("sy_justice", "10.0.0.1") == 0  # the window has passed
    throttle.failed("sy_justice", "10.0.0.2")
    throttle.succeeded("sy_justice")
    assert throttle.paused_for("sy_justice", "10.0.0.2") == 0


def test_a_user_tasks_outcomes_and_clause_come_from_the_model() -> None:
    model = read_model(MODEL.read_bytes())
    legal = model.steps["legal_review"]
    assert legal.name == "法制审核"
    assert "001_2fe61fa7fe079855.txt" in legal.documentation
    assert legal.decision is not None and legal.decision.variable == "outcome"
    assert [(o.code, o.label) for o in legal.decision.outcomes] == [
        ("passed", "符合联动执法要求"),
        ("failed", "不符合联动执法要求"),
    ]
    assert model.steps["apply"].decision is None  # no gateway follows: nothing to choose


def test_an_unnamed_gateway_reads_by_what_it_does() -> None:
    """The generator leaves joins and splits unnamed (as modellers do); the case page names them."""
    model = read_model(MODEL.read_bytes())
    assert model.gateway_roles["dispatch_join"] == "汇合"
    assert model.gateway_roles["draft_plan_split"] == "分支"
    assert "legal_review_decision" not in model.gateway_roles  # named: its own name is shown
