/** Starts the local kafka servers for the run (filled in by the kafka provider work). */
export default async function setup(): Promise<void> {}
