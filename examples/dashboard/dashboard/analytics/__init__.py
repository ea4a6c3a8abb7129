"""Analytics of the dashboard: tariffs and the cost of metered energy.

``tariffs`` models prices (flat, time-of-use, dynamic), fixed and capacity charges, feed-in
compensation and taxes, with validity periods; ``costs`` turns 15-minute register deltas into
bills per day, month and year.
"""
