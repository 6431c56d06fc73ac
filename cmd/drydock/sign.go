package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/sign"
)

func init() { addCommand(newSignCmd) }

func newSignCmd() *cobra.Command {
	var (
		rf           registryFlags
		key, formatS string
	)
	cmd := &cobra.Command{
		Use:   "sign REGISTRY/REPO@sha256:… --key cosign.key",
		Short: "Sign an image digest with a key, in cosign's format (offline: no transparency log)",
		Long: "Sign the manifest digest REF names (a tag is resolved to its digest first) and attach the\n" +
			"signature: as a Sigstore bundle referrer (cosign 3's default), cosign's legacy sha256-<hex>.sig\n" +
			"tag, or both. `cosign verify --key cosign.pub --insecure-ignore-tlog` accepts either.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := sign.ParseFormat(formatS)
			if err != nil {
				return usageError{err}
			}
			s, err := loadSigner(key, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			t, err := rf.target(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := s.Sign(cmd.Context(), t, format); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "signed %s (%s)\n", t.Digest, formatS)
			return err
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "private key file (cosign.key)")
	cmd.Flags().StringVar(&formatS, "format", "bundle", "bundle (OCI referrer), legacy (.sig tag) or both")
	rf.addFlags(cmd.Flags())
	return cmd
}
