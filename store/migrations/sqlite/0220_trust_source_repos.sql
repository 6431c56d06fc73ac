-- Allowed source repositories of a namespace: where any are listed,
-- admission control runs an image only if it carries a SLSA provenance
-- attestation, signed by one of the namespace's trusted keys, whose
-- source repository (buildDefinition.externalParameters.source.uri, as
-- `drydock gate --source-repo` writes it) is one of them, compared exactly.

CREATE TABLE trust_source_repos (
	namespace TEXT NOT NULL REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	uri TEXT NOT NULL,
	PRIMARY KEY (namespace, uri)
);
