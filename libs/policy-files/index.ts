// @embargo/policy-files: reads a policy directory from disk, for the CLI and the policy service.
export { isPolicyFile, readPolicyDir } from './policy-files';
