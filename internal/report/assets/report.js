// Behaviour of the HTML report and the web UI.
