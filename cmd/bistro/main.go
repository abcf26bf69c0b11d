// Command bistro builds, checks and runs flows.
package main

import (
	"os"

	"github.com/bistro-dev/bistro/internal/cli"
	"github.com/bistro-dev/bistro/internal/tuning"
)

func main() {
	tuning.Apply(os.LookupEnv)
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
