"""The capture side of the REST API: thin views over the same selectors and services
as the web app, so roles, site scoping, blinding and the audit rule are enforced once."""
