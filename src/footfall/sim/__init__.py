"""Virtual runner: synthetic recordings with known truth."""
