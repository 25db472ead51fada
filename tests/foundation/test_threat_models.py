"""The orientation lesson's threat models: what each party sees, in the stated vocabulary."""

import pytest

from ppml_lab.threat_models import PARTIES, TECHNIQUES, VOCABULARY, what_party_sees


def test_every_party_sees_items_of_the_vocabulary_and_gets_a_fresh_set():
    assert TECHNIQUES == ("HE", "SMPC", "FL", "DP")
    for technique, parties in PARTIES.items():
        assert parties, technique
        for party in parties:
            seen = what_party_sees(technique, party)
            assert type(seen) is set and seen and seen <= set(VOCABULARY), (technique, party, seen)
            seen.add("raw records")
            assert "raw records" not in what_party_sees(technique, party) or technique == "DP"


def test_only_the_dp_curator_sees_raw_records_and_only_he_and_smpc_hide_the_inputs():
    holders = {(t, p) for t, ps in PARTIES.items() for p in ps if "raw records" in what_party_sees(t, p)}
    assert holders == {("DP", "curator")}
    assert what_party_sees("HE", "server") == {"ciphertexts"}  # computes blindly: not even the result
    assert what_party_sees("SMPC", "computing party") == {"shares", "exact result"}
    assert what_party_sees("FL", "server") == {"individual updates", "exact result"}  # no secure aggregation
    assert what_party_sees("DP", "analyst") == {"noisy result"}


@pytest.mark.parametrize(
    "technique,party,name", [("TEE", "server", "technique"), ("HE", "curator", "party"), ("DP", "server", "party")]
)
def test_unknown_techniques_and_parties_name_the_argument(technique, party, name):
    with pytest.raises(ValueError, match=name):
        what_party_sees(technique, party)
