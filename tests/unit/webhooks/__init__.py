"""Unit tests of the webhooks package: the egress guard and the sender."""
