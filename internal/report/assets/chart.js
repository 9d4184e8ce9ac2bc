// Pan and zoom for the charts that ask for it.
