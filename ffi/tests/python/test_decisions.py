"""The rules the app and the simulator both ask the core for, through the generated Python
bindings: when to look for likely duplicates, the consent form, an e-mail correction put back
in the address typed."""

import carnet_ffi as carnet


def test_the_rules_the_app_and_the_simulator_share():
    candidate = carnet.CandidateContact(customer_id=None, first_name="Zoé", last_name="Martin",
                                        email=None, phone=None, postal_code=None)
    assert not carnet.should_look_for_duplicates(candidate)
    candidate.postal_code = "75011"
    assert carnet.should_look_for_duplicates(candidate)

    assert carnet.corrected_value(carnet.ContactField.EMAIL, " zoe.m@gmial.com", "gmail.com") \
        == "zoe.m@gmail.com"

    sms_no = carnet.ConsentState(channel="sms", purpose="marketing", granted=False,
                                 recorded_at="2026-11-01T10:00:00Z", source="store", advisor_id="A001")
    rows = carnet.consent_form([sms_no])
    assert [(r.channel, r.purpose, r.answer) for r in rows] == [
        ("email", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("sms", "marketing", carnet.ConsentAnswer.REFUSED),
        ("post", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("phone", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("email", "personalisation", carnet.ConsentAnswer.NOT_ASKED),
    ]
    assert rows[1].recorded == sms_no
