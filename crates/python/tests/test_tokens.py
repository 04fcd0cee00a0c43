"""Signed offer tokens from Python: the tokens of `offerwise decide --signing-key` byte for byte,
verified as `offerwise verify-token` verifies them, refused for the same reasons."""

from __future__ import annotations

import json
import subprocess

import pytest

import offerwise
from conftest import CLI, ROOT, cli

CUSTOMER = ROOT / "www" / "example-customer.json"
NOW = "1998-07-01T12:00:00Z"
LATER = "1998-07-01T12:30:00Z"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    cli("keygen", "--out", str(d / "key.json"), "--public", str(d / "pub.json"))
    return {"dir": d, "private": json.loads((d / "key.json").read_text()), "public": json.loads((d / "pub.json").read_text())}


def test_sign_decision_gives_the_clis_tokens(engine, keys):
    customer = json.loads(CUSTOMER.read_text())
    decision = engine.decide(customer, now=NOW)
    signed = offerwise.sign_decision(decision, keys["private"], ttl_seconds=3600)
    by_cli = json.loads(cli("decide", "--customer", str(CUSTOMER), "--now", NOW, "--signing-key",
                            str(keys["dir"] / "key.json"), "--token-ttl", "3600", "--compact"))
    assert [o["token"] for o in signed["offers"]] == [o["token"] for o in by_cli["offers"]]
    assert len(signed["offers"]) > 0
    # The decision itself is unchanged but for the tokens.
    assert [{k: v for k, v in o.items() if k != "token"} for o in signed["offers"]] == decision["offers"]


def test_verify_token_agrees_with_the_cli_and_refuses_what_it_refuses(engine, keys):
    customer = json.loads(CUSTOMER.read_text())
    signed = offerwise.sign_decision(engine.decide(customer, now=NOW), keys["private"], ttl_seconds=3600)
    offer = signed["offers"][0]
    claims = offerwise.verify_token(offer["token"], keys["public"], "00042", now=LATER, offer=offer["id"], value=offer["value"])
    assert claims == json.loads(cli("verify-token", "--public-key", str(keys["dir"] / "pub.json"), "--token", offer["token"],
                                    "--customer", "00042", "--now", LATER))
    assert (claims["sub"], claims["offer"], claims["exp"] - claims["iat"]) == ("00042", offer["id"], 3600)
    cases = [
        ({"customer": "00043", "now": LATER}, "token.customer", "claims.sub"),
        ({"customer": "00042", "now": "1998-07-01T13:01:00Z"}, "token.expired", "claims.exp"),
        ({"customer": "00042", "now": "1998-07-01T11:58:00Z"}, "token.not_yet_valid", "claims.iat"),
        ({"customer": "00042", "now": LATER, "offer": "other"}, "token.offer", "claims.offer"),
        ({"customer": "00042", "now": LATER, "value": offer["value"] + 1}, "token.value", "claims.value"),
    ]
    for expect, code, path in cases:
        with pytest.raises(offerwise.OfferwiseError) as e:
            offerwise.verify_token(offer["token"], keys["public"], **expect)
        assert (e.value.code, e.value.path) == (code, path)
        args = ["verify-token", "--public-key", str(keys["dir"] / "pub.json"), "--token", offer["token"],
                "--customer", expect["customer"], "--now", expect["now"]]
        if "offer" in expect:
            args += ["--offer", expect["offer"]]
        if "value" in expect:
            args += ["--value", str(expect["value"])]
        r = subprocess.run([str(CLI), *args], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and r.stderr.startswith(f"error[{code}]"), r.stderr
    # Altered and forged.
    t = offer["token"]
    dot = t.index(".")
    altered = t[: dot + 4] + ("A" if t[dot + 4] != "A" else "B") + t[dot + 5:]
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.verify_token(altered, keys["public"], "00042", now=LATER)
    assert e.value.code in ("token.signature", "token.malformed")
    forger = offerwise.keygen(kid=keys["public"]["kid"])
    forged = offerwise.sign_decision(engine.decide(customer, now=NOW), forger["private"])
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.verify_token(forged["offers"][0]["token"], keys["public"], "00042", now=LATER)
    assert (e.value.code, e.value.path) == ("token.signature", "signature")


def test_keys_rotate_and_bad_keys_say_what_is_wrong(engine, keys):
    customer = json.loads(CUSTOMER.read_text())
    new = offerwise.keygen(kid="2026-12")
    assert new["public"]["kid"] == "2026-12" and "d" not in new["public"] and "d" in new["private"]
    both = {"keys": [keys["public"], new["public"]]}
    for private in (keys["private"], new["private"]):
        t = offerwise.sign_decision(engine.decide(customer, now=NOW), private)["offers"][0]["token"]
        assert offerwise.verify_token(t, both, "00042", now=LATER)["sub"] == "00042"
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.verify_token("x", {"keys": []}, "00042", now=LATER)
    assert (e.value.code, e.value.path) == ("key.invalid", "keys")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.sign_decision(engine.decide(customer, now=NOW), keys["public"])
    assert (e.value.code, e.value.path) == ("key.invalid", "d")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.sign_decision({"customerId": "c"}, keys["private"])
    assert (e.value.code, e.value.path) == ("token.options", "decision.log.decisionId")


def test_document_signatures_equal_offerwise_sign_and_refuse_a_changed_byte(keys, tmp_path):
    model = tmp_path / "model.json"
    model.write_bytes((ROOT / "models" / "default.json").read_bytes())
    cli("sign", "--signing-key", str(keys["dir"] / "key.json"), str(model))
    by_cli = (tmp_path / "model.json.sig").read_text().strip()
    assert offerwise.sign_document(model.read_bytes(), keys["private"]) == by_cli
    assert offerwise.verify_document(model.read_text(), by_cli, keys["public"]) == keys["public"]["kid"]
    changed = bytearray(model.read_bytes())
    changed[10] ^= 1
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.verify_document(bytes(changed), by_cli, keys["public"])
    assert (e.value.code, e.value.path) == ("document.signature", "signature")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.verify_document(model.read_bytes(), "nonsense", keys["public"])
    assert e.value.code == "document.malformed"
