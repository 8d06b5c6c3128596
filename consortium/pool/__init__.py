"""The shared pool: mentor and coach profiles, their release, vetting, CPD log and care."""
