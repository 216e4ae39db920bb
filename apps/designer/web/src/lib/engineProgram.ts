/**
 * What the engine runs, as the status bars say it: the project's name with the version, since
 * every project starts at 0.1.0 and "version 0.1.0" alone does not say whose program runs.
 */
export function engineProgram(status: { projectName?: string | null; version?: string | null }): string {
  const version = `version ${status.version ?? "none"}`;
  return status.projectName && status.version ? `${status.projectName}, ${version}` : version;
}
