// GitHub Classroom's points from the runners' results, as its reporter action
// (classroom-resources/autograding-grading-reporter, release v1) documents and computes them, restated here
// for the tests (tests/test_classroom_reporter.py says why the action's own build is not run by default).
//
// Contract (the action's README, "Environment Variables" and "Inputs"): the input `runners` lists step ids,
// comma-separated; for each id, the variable <ID in capitals>_RESULTS holds that step's result, a base64
// JSON object with `max_score` and `tests[].score`. The points: every runner with a non-zero max_score adds
// its max_score to the maximum and each test's score to the total, in order, as JavaScript numbers; they are
// announced as a notice titled "Autograding complete" reading "Points <total>/<max>" (what GitHub Classroom
// records) and one titled "Autograding report" holding {"totalPoints", "maxPoints"} as JSON.
//
// Usage: node classroom_points.cjs PATH_OF_@actions/core   (INPUT_RUNNERS and the results in the environment)
const core = require(process.argv[2]);

const ids = core.getInput("runners", { required: true }).split(",").map((id) => id.trim());
let points = 0;
let maximum = 0;
for (const id of ids) {
  const encoded = process.env[`${id.toUpperCase()}_RESULTS`];
  const result = JSON.parse(Buffer.from(encoded, "base64").toString("utf-8"));
  if (!result.max_score) continue;
  maximum += result.max_score;
  for (const test of result.tests) points += test.score;
}
if (maximum) {
  core.notice(`Points ${points}/${maximum}`, { title: "Autograding complete" });
  core.notice(JSON.stringify({ totalPoints: points, maxPoints: maximum }), { title: "Autograding report" });
}
