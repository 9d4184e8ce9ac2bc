// Command triage is the guided triage of security incidents. See the README.
package main

import (
	"os"

	"github.com/triage-dev/triage/internal/cli"
)

func main() { os.Exit(cli.Main()) }
