/** A project's workflow id: the business id is the workflow id. */
export const projectWorkflowId = (projectId: string) => `project-${projectId}`;
