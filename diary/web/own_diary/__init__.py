"""The participant's own diary: pages for an older person's phone, opened with the
personal link (no account). One question at a time, large type and targets, plain
HTML forms (no JavaScript), in the participant's language. Nothing about other
participants or the allocation is ever read here."""
