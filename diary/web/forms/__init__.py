"""Forms of the web app: they parse and label the input; the services validate the
trial's rules and their errors come back onto these fields (diary.web.errors)."""
