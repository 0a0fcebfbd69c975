"""A Canvas course behind ``responses``: the REST endpoints passback calls, with Canvas's documented payloads.

The objects are those of Canvas's REST documentation (Course, User, Assignment, Submission with its
``submission_comments``, Progress: the fields passback and canvasapi read, and the usual others), paged with
``Link: <…>; rel="next"`` as Canvas pages; the bulk update (``POST …/submissions/update_grades`` with
``grade_data[<user id>][posted_grade]`` and ``[text_comment]``) answers a Progress that is ``queued``, then
``running``, then ``completed`` (its grades applied) or ``failed``, one step per ``GET /progress/:id``. A request
without the course's token gets 401 with ``WWW-Authenticate`` as Canvas answers. Faults on demand: a status
for the next requests matching a pattern, throttling (403 "Rate Limit Exceeded"), a refused student (422).

What a platform off the path does, on demand (the red team's, tests/test_lms_redteam.py): ``forbid_writes``
records every ``POST``/``PUT`` in ``violations`` and refuses it; ``lost_after`` answers 502 to a request of that
kind (``"bulk"``: the bulk update; ``"complete"``: the Progress query that completed a job, and every one after)
*after* carrying it out; ``fail_after_applying`` makes a job fail having applied the grades of these users.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import responses

BASE = "https://canvas.example.edu"
API = BASE + "/api/v1"
COURSE_ID = 42
TOKEN = "7~" + "f3Kq9ZpL2mXv8WtR4yBn6HcJ1sDg5Ae0QuIoPk7TzVxYw3Lr"  # the shape of a Canvas access token


@dataclass
class CanvasFault:
    method: str
    path: str
    status: int
    body: str = '{"errors": [{"message": "injected"}]}'
    headers: dict = field(default_factory=dict)
    times: int = 1


class FakeCanvas:
    def __init__(self, students: dict, page_size: int = 3) -> None:
        """``students``: Canvas user id -> (login_id, name)."""
        self.users = [{"id": uid, "name": name, "sortable_name": name, "short_name": name, "sis_user_id": f"s{uid}",
                       "login_id": login, "email": f"{login}@uni.example", "integration_id": None}
                      for uid, (login, name) in students.items()]
        self.page_size = page_size
        self.assignments = {}
        self.submissions = {}     # (assignment id, user id) -> Submission
        self.progress = {}        # id -> [Progress, its grade data, the states still to go]
        self.bulk_posts = []      # every update_grades form, parsed
        self.puts = []
        self.faults = []
        self.refuse = {}          # user id -> status
        self.fail_jobs = False
        self.calls = []
        self.forbid_writes = False
        self.violations = []
        self.lost_after = set()        # {"bulk", "complete"}: carried out, then the answer lost (502)
        self.fail_after_applying = set()  # users whose grades a failing job applied before it failed
        self.never_ends = False        # a job that stays "running"

    def assignment(self, aid: int, name: str, points: float) -> dict:
        self.assignments[aid] = {
            "id": aid, "name": name, "description": "", "course_id": COURSE_ID, "points_possible": points,
            "grading_type": "points", "submission_types": ["none"], "published": True, "muted": False,
            "html_url": f"{BASE}/courses/{COURSE_ID}/assignments/{aid}", "due_at": None, "position": aid}
        for user in self.users:
            self.submissions[(aid, user["id"])] = self._submission(aid, user["id"])
        return self.assignments[aid]

    def _submission(self, aid: int, uid: int) -> dict:
        return {"id": aid * 1000 + uid, "assignment_id": aid, "user_id": uid, "attempt": None, "body": None,
                "grade": None, "score": None, "entered_grade": None, "entered_score": None,
                "grade_matches_current_submission": True, "grader_id": None, "graded_at": None,
                "submission_type": None, "submitted_at": None, "workflow_state": "unsubmitted", "late": False,
                "missing": False, "excused": False, "late_policy_status": None, "points_deducted": None,
                "seconds_late": 0, "posted_at": None, "url": None, "preview_url": "", "submission_comments": []}

    def grade(self, aid: int, uid: int, score, comment=None, author=1) -> None:
        """What Canvas does with a posted grade (a number of points) and a comment."""
        sub = self.submissions[(aid, uid)]
        sub.update(score=float(score), entered_score=float(score), grade=str(score), grader_id=author,
                   entered_grade=str(score), workflow_state="graded", graded_at="2026-03-10T12:00:00Z")
        if comment:
            sub["submission_comments"].append({
                "id": len(sub["submission_comments"]) + 1, "author_id": author, "author_name": "Grader",
                "author": {"id": author, "display_name": "Grader"}, "comment": comment,
                "created_at": "2026-03-10T12:00:00Z", "edited_at": None, "media_comment": None})

    def scores(self, aid: int) -> dict:
        return {uid: s["score"] for (a, uid), s in self.submissions.items() if a == aid and s["score"] is not None}

    # -- the endpoints ---------------------------------------------------------------------------------

    def register(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, re.compile(re.escape(API) + r"/.*"), callback=self._answer)
        rsps.add_callback(responses.POST, re.compile(re.escape(API) + r"/.*"), callback=self._answer)
        rsps.add_callback(responses.PUT, re.compile(re.escape(API) + r"/.*"), callback=self._answer)

    def _page(self, items: list, request) -> tuple:
        parts = urlsplit(request.url)
        query = dict(parse_qsl(parts.query))
        page = int(query.get("page", 1))
        start = (page - 1) * self.page_size
        headers = {}
        if start + self.page_size < len(items):
            query["page"] = str(page + 1)
            headers["Link"] = f'<{BASE}{parts.path}?{"&".join(f"{k}={v}" for k, v in query.items())}>; rel="next"'
        return 200, headers, json.dumps(items[start:start + self.page_size])

    def _answer(self, request):
        path = urlsplit(request.url).path[len("/api/v1"):]
        self.calls.append((request.method, path))
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and re.search(fault.path, path):
                fault.times -= 1
                return fault.status, fault.headers, fault.body
        if self.forbid_writes and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            self.violations.append((request.method, path))
            return 403, {}, json.dumps({"errors": [{"message": "a dry run asked Canvas to change something"}]})
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}, json.dumps(
                {"errors": [{"message": "Invalid access token."}], "status": "unauthenticated"})
        form = parse_qsl(request.body if isinstance(request.body, str) else (request.body or b"").decode())
        c = f"/courses/{COURSE_ID}"
        if request.method == "GET" and path == "/users/self":  # the token's user: the grader (author 1)
            return 200, {}, json.dumps({"id": 1, "name": "Grader", "sortable_name": "Grader", "short_name": "Grader"})
        if request.method == "GET" and path == c:
            return 200, {}, json.dumps({"id": COURSE_ID, "name": "Probability foundations", "course_code": "PROBDL",
                                        "workflow_state": "available", "enrollment_term_id": 1})
        if request.method == "GET" and path == c + "/search_users":
            return self._page(self.users, request)
        if request.method == "GET" and path == c + "/assignments":
            term = dict(parse_qsl(urlsplit(request.url).query)).get("search_term", "").lower()
            return self._page([a for a in self.assignments.values() if term in a["name"].lower()], request)
        m = re.fullmatch(re.escape(c) + r"/assignments/(\d+)(/submissions(?:/(\d+)|/update_grades)?)?", path)
        if m and int(m.group(1)) not in self.assignments:
            return 404, {}, json.dumps({"errors": [{"message": "The specified resource does not exist."}]})
        if m and request.method == "GET" and not m.group(2):
            return 200, {}, json.dumps(self.assignments[int(m.group(1))])
        if m and request.method == "GET" and m.group(2) == "/submissions":
            aid = int(m.group(1))
            return self._page([s for (a, _), s in sorted(self.submissions.items()) if a == aid], request)
        if m and request.method == "POST" and m.group(2) == "/submissions/update_grades":
            answer = self._bulk(int(m.group(1)), form)
            if "bulk" in self.lost_after:  # the job was made and ran; its answer is lost on the way back
                pid = max(self.progress)
                while self.progress[pid][2]:
                    self._step(pid)
                return 502, {}, "<html><body>502 Bad Gateway</body></html>"
            return answer
        if m and m.group(3):
            aid, uid = int(m.group(1)), int(m.group(3))
            if (aid, uid) not in self.submissions:
                return 404, {}, json.dumps({"errors": [{"message": "The specified resource does not exist."}]})
            if request.method == "PUT":
                self.puts.append((aid, uid, dict(form)))
                if uid in self.refuse:
                    return self.refuse[uid], {}, json.dumps({"errors": [{"message": "refused for this student"}]})
                fields = dict(form)
                self.grade(aid, uid, fields["submission[posted_grade]"], fields.get("comment[text_comment]"), author=1)
            return 200, {}, json.dumps(self.submissions[(aid, uid)])
        m = re.fullmatch(r"/progress/(\d+)", path)
        if m and request.method == "GET":
            return self._step(int(m.group(1)))
        return 404, {}, json.dumps({"errors": [{"message": f"no such endpoint {request.method} {path}"}]})

    def _bulk(self, aid: int, form: list):
        data: dict = {}
        for key, value in form:
            m = re.fullmatch(r"grade_data\[(\d+)\]\[(posted_grade|text_comment)\]", key)
            if not m:
                return 400, {}, json.dumps({"errors": [{"message": f"unexpected parameter {key}"}]})
            data.setdefault(int(m.group(1)), {})[m.group(2)] = value
        self.bulk_posts.append((aid, data))
        pid = len(self.progress) + 1
        progress = {"id": pid, "context_id": COURSE_ID, "context_type": "Course", "user_id": 1,
                    "tag": "submissions_update", "completion": 0, "workflow_state": "queued",
                    "created_at": "2026-03-10T12:00:00Z", "updated_at": "2026-03-10T12:00:00Z", "message": None,
                    "results": None, "url": f"{API}/progress/{pid}"}
        self.progress[pid] = [progress, (aid, data), ["running", "failed" if self.fail_jobs else "completed"]]
        return 200, {}, json.dumps(progress)

    def _step(self, pid: int):
        progress, (aid, data), todo = self.progress[pid]
        if self.never_ends:
            progress["workflow_state"] = "running"
            return 200, {}, json.dumps(progress)
        if progress["workflow_state"] == "completed" and "complete" in self.lost_after:
            return 502, {}, "<html><body>502 Bad Gateway</body></html>"
        if todo:
            progress["workflow_state"] = todo.pop(0)
            if progress["workflow_state"] == "completed":
                for uid, grade in data.items():
                    if uid not in self.refuse and (aid, uid) in self.submissions:
                        self.grade(aid, uid, grade["posted_grade"], grade.get("text_comment"))
                progress["completion"] = 100
                if "complete" in self.lost_after:
                    return 502, {}, "<html><body>502 Bad Gateway</body></html>"
            elif progress["workflow_state"] == "failed":
                for uid, grade in data.items():
                    if uid in self.fail_after_applying:
                        self.grade(aid, uid, grade["posted_grade"], grade.get("text_comment"))
                progress["message"] = "Couldn't find User(s) with API ids '999'"
        return 200, {}, json.dumps(progress)
