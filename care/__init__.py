"""After-sales care: trouble tickets (TMF621) routed to the back office, handed off between channels."""
