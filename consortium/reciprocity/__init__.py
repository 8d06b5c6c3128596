"""The reciprocity ledger: the mentoring hours each member organisation gave and received."""
