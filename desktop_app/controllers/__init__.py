"""Controllers: which jobs run when (pipeline), the job manager (worker threads), playback and exports."""
