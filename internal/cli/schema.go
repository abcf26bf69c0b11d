package cli

import (
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/spf13/cobra"
)

func newSchema(s env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of flow documents",
		Long: `Print the JSON Schema of flow documents, for editors that validate and
complete YAML or JSON files (the same schema is in docs/flow.schema.json).`,
		Example: `  bistro schema > flow.schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := s.out.Write(flow.Schema())
			return err
		},
	}
}
