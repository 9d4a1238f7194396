"""The map: view, mouse, layers, camera, labels and the spatial index behind them."""
