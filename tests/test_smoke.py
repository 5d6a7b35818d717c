from organization.models import Ente


def test_ente_small_flag(make_ente):
    small = make_ente("piccolo", headcount=12)
    big = make_ente("grande", headcount=120)
    unknown = make_ente("ignoto")
    assert small.is_small is True
    assert big.is_small is False
    assert unknown.is_small is False
    assert Ente.objects.count() == 3
