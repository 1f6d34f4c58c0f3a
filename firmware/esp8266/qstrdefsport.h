// qstrs specific to this port (none beyond those found automatically)
