"""One module per home (leader.py, marketing.py, ...), each registering its panels with
`dashboards.registry.panel`. DashboardsConfig.ready imports every module here."""
