"""Free texts staff give with a change (a correction's reason, a replacement's, an
unblinding's, a change of access) hold no control character other than tab and line
break, as every clinical text: refused naming the field, nothing written."""

from decimal import Decimal

import pytest

from diary.errors import InvalidValue
from diary.models import Participant
from diary.services.audit import free_text
from diary.services.participants import participant_update
from diary.services.users import staff_update
from tests.factories import enrol, make_user


@pytest.mark.parametrize("text", ["bell\x07", "esc\x1b[31m", "del\x7f", "nul\x00"])
def test_a_control_character_is_refused_naming_the_field(text):
    with pytest.raises(InvalidValue) as refused:
        free_text(text, field="reason")
    assert refused.value.field == "reason" and "control characters" in refused.value.message


def test_tabs_and_line_breaks_are_kept_and_the_text_stripped():
    assert free_text("  first line\n\tsecond line \r\n") == "first line\n\tsecond line"


def test_a_correction_whose_reason_holds_a_control_character_is_refused(trial, ra_c1):
    p = enrol(trial, weight_kg=Decimal("52.0"))
    with pytest.raises(InvalidValue) as refused:
        participant_update(
            participant=p, changes={"weight_kg": Decimal("53.0")}, by_user=ra_c1, reason="scale\x07"
        )
    assert refused.value.field == "reason"
    assert Participant.objects.get(pk=p.pk).weight_kg == Decimal("52.0")


def test_a_change_of_access_whose_reason_holds_a_control_character_is_refused(trial, site_c1):
    coordinator = make_user("coordinator")
    user = make_user("research_assistant", site_c1)
    with pytest.raises(InvalidValue) as refused:
        staff_update(
            user=user, role="monitor", by_user=coordinator, via="admin", reason="promoted\x1b"
        )
    assert refused.value.field == "reason"
    assert user.groups.get().name == "research_assistant"
