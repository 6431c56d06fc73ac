package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/sign"
)

func init() { addCommand(newKeyCmd) }

func newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Manage signing keys (cosign-compatible)"}
	var dir string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write an encrypted cosign.key and its cosign.pub (password from $COSIGN_PASSWORD or the terminal)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := keyPassword(cmd.ErrOrStderr(), true)
			if err != nil {
				return err
			}
			priv, pub, err := sign.WriteKeyPair(dir, pw)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "private key written to %s\npublic key written to %s\n", priv, pub)
			return err
		},
	}
	gen.Flags().StringVar(&dir, "output-dir", ".", "folder to write cosign.key and cosign.pub into")
	cmd.AddCommand(gen)
	return cmd
}
