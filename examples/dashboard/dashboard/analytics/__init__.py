"""Analytics of the dashboard: costs with real tariffs, anomaly alerts, consumption forecasts.

``tariffs`` models prices (flat, time-of-use, dynamic), fixed and capacity charges, feed-in
compensation and taxes, with validity periods; ``costs`` turns 15-minute register deltas into
bills per day, month and year, and ``billing`` does so for stored data. ``anomalies`` scans a
meter's series (standby trend, unusual consumption, high load, night use, export, voltage,
gaps, clock jumps, IsolationForest); ``forecast`` predicts the coming day or week and chooses
the model per meter by backtest; ``service`` runs both over the store and delivers alerts.
This package imports NumPy and scikit-learn only when those modules are used.
"""

#: The forecast models (``dashboard.analytics.forecast.MODELS``), importable without NumPy.
FORECAST_MODELS = ("seasonal_naive", "same_hour_average", "ets", "gradient_boosting", "prophet")
