// Lists the first page of in-progress projects.
// Run: PROJECTS_API_URL=http://localhost:3000 PROJECTS_API_KEY=gcp_… npx tsx client/example.ts
import { createProjectsClient } from './index.ts';

const api = createProjectsClient({
  baseUrl: process.env.PROJECTS_API_URL ?? 'http://localhost:3000',
  apiKey: process.env.PROJECTS_API_KEY ?? '',
});

const { data, error, response } = await api.GET('/api/projects', {
  params: { query: { status: ['in_progress'], sort: 'project_title', order: 'asc', limit: 25 } },
});
if (error) {
  console.error(`${response.status}: ${error.message}`);
  process.exit(1);
}
// Without `after` the answer is in page mode, whose meta carries the total (cursor mode's does not).
if ('total' in data.meta) console.log(`${data.meta.total} project(s) in progress:`);
for (const project of data.data) {
  console.log(`#${project.id}  ${project.title}  (${project.client?.name}, ${project.progress}%)`);
}
