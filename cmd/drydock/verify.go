package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/sign"
)

func init() { addCommand(newVerifyCmd) }

func newVerifyCmd() *cobra.Command {
	var (
		rf          registryFlags
		keys        []string
		attestation string
	)
	cmd := &cobra.Command{
		Use:   "verify REGISTRY/REPO:TAG --key cosign.pub [--attestation slsaprovenance|cyclonedx|vuln|verdict]",
		Short: "Verify an image's signature or attestation with keys (bundle referrers and legacy tags)",
		Long: "Resolve REF to its digest and verify its signatures, or with --attestation its in-toto\n" +
			"attestations of that type, against the public keys given (any one suffices). Reads both\n" +
			"cosign's Sigstore bundle referrers and its legacy .sig/.att tags; contacts no transparency log.\n" +
			"An attestation's statement is printed as JSON, one per line.\n" +
			"Exit codes: 0 verified, 1 nothing verified, 2 usage or input error, 3 internal error.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pubs, err := loadPublicKeys(keys)
			if err != nil {
				return err
			}
			predicate := ""
			if attestation != "" {
				if predicate, err = sign.PredicateType(attestation); err != nil {
					return err
				}
			}
			t, err := rf.target(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			var got []sign.Verified
			if predicate == "" {
				got, err = sign.Verify(cmd.Context(), t, pubs)
			} else {
				got, err = sign.VerifyAttestations(cmd.Context(), t, pubs, predicate)
			}
			if err != nil {
				return err
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			for _, v := range got {
				what := "signature"
				if predicate != "" {
					what = "attestation " + v.Statement.PredicateType
				}
				fmt.Fprintf(errOut, "verified %s %s of %s with %s\n", v.Format, what, t.Digest, v.Key.Name)
				if v.Statement != nil && predicate != "" {
					line, err := json.Marshal(map[string]any{"predicateType": v.Statement.PredicateType, "subject": v.Statement.Subjects, "predicate": v.Statement.Predicate})
					if err != nil {
						return err
					}
					fmt.Fprintln(out, string(line))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "public key file (cosign.pub); repeat to accept any of several")
	cmd.Flags().StringVar(&attestation, "attestation", "", "verify attestations of this type instead of signatures: slsaprovenance, cyclonedx, vuln, verdict or a predicate-type URI")
	rf.addFlags(cmd.Flags())
	return cmd
}
