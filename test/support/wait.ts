/** Whether `what` holds within `ms`, asked every 50 ms (the machine may be busy with other suites: give it room). */
export async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !what() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
  return what();
}
