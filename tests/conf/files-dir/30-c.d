server=10.0.0.4
