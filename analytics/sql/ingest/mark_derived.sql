-- In the derivation's own transaction: the batches up to this landing number are in the tables, so a restart does
-- not derive them again from the landing log (collector/landing.py), whatever of it is left.
UPDATE derivation SET derived_seq = $last;
