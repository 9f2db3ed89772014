"""guardrails inside a GitHub Actions job: the event payload, the REST API
(sticky comment, commit status, the override label), annotations within
GitHub's caps, and the step's outputs.

`guardrails github` (commands/github.py) ties these together; action.yml
runs it.  Everything here treats the pull request as untrusted data: its
title, body, labels and files are read, never run.
"""
