"""The demo season's people, weeks and learning artifacts: original text written for Commonplace."""

from collections.abc import Callable
from dataclasses import dataclass, field

from network.management import demo_images

COURSE_SLUG = "immooc"
EMAIL_DOMAIN = "demo.example.org"
FACILITATOR = "george"
DEFAULT_PASSWORD = "commonplace-demo"  # noqa: S105 -- public demo password, documented in the README


@dataclass(frozen=True)
class Person:
    handle: str
    display_name: str
    role: str
    bio: str
    subjects: str
    grade_levels: str
    time_zone: str
    blog_url: str


@dataclass(frozen=True)
class BookPlan:
    title: str
    author: str
    link: str
    pages: int | None = None


@dataclass(frozen=True)
class LivePlan:
    title: str
    day: int  # days after the week starts
    hour_utc: int


@dataclass(frozen=True)
class WeekPlan:
    title: str
    theme_question: str
    readings: list[tuple[int, str]]  # (book index, chapters)
    prompts: list[tuple[str, str]]  # (kind, text)
    live: LivePlan


@dataclass(frozen=True)
class CommentPlan:
    author: str
    body: str
    hours_after: float
    replies: list["CommentPlan"] = field(default_factory=list)


@dataclass(frozen=True)
class ArtifactPlan:
    author: str
    kind: str
    title: str
    days_ago: float
    body: str = ""
    url: str = ""
    image: Callable[[], bytes] | None = None
    image_alt: str = ""
    prompt: tuple[int, int] | None = None  # (week number, prompt number)
    visibility: str = "public"
    comments: list[CommentPlan] = field(default_factory=list)
    # A quote or note: the book (its index in BOOKS), the page or chapter, and the quoted words.
    book: int | None = None
    page: int | None = None
    chapter: str = ""
    passage: str = ""


@dataclass(frozen=True)
class ProgressPlan:
    """Where someone is in a book (its index in BOOKS): want, reading (page or percent) or finished."""

    handle: str
    book: int
    status: str
    page: int | None = None
    percent: int | None = None


COURSE = {
    "title": "Innovator's Mindset — Season 5",
    "slug": COURSE_SLUG,
    "hashtag": "#IMMOOC",
    "description": (
        "A free, six-week open book study. Each week we read a few chapters, answer one shared question in "
        "whatever form suits us — a blog post, a short video, an image — and meet live once. Write on your own "
        "blog if you have one; tag it #IMMOOC and it shows up here.\n\n"
        "The course has three purposes: dig deeper into the book, create and connect your own learning, and "
        "build your own network. The weekly rhythm: one post, three comments, three shares of other people's work."
    ),
    "comment_window_days": 14,
}

BOOKS = [
    BookPlan("The Innovator's Mindset", "George Couros", "https://example.org/books/innovators-mindset", 280),
    BookPlan(
        "Learner-Centered Innovation", "Katie Martin", "https://example.org/books/learner-centered-innovation", 240
    ),
]

# Where people are in the books: quotes beyond someone's page are folded for them.
PROGRESS = [
    ProgressPlan("george", 0, "finished"),
    ProgressPlan("maria", 0, "reading", page=64),
    ProgressPlan("devon", 0, "reading", percent=20),
    ProgressPlan("devon", 1, "want"),
    ProgressPlan("grace", 1, "reading", page=160),
]

PEOPLE = [
    Person(
        "george",
        "George",
        "principal",
        "Facilitator of this season. Former principal, now helping schools grow cultures where trying new things "
        "is normal. I read everything before I share it.",
        "Leadership, Innovation",
        "K–12",
        "America/Edmonton",
        "https://george.example.org/",
    ),
    Person(
        "maria",
        "Maria López",
        "teacher",
        "Grade 5 teacher in my twelfth year. Flexible seating convert, reluctant blogger, enthusiastic reader.",
        "Literacy, Science",
        "Grade 5",
        "America/Mexico_City",
        "https://maria-lopez.example.org/",
    ),
    Person(
        "devon",
        "Devon Clarke",
        "principal",
        "Middle school principal. Trying to spend more time in classrooms than in my office.",
        "Leadership",
        "Grades 6–8",
        "America/Toronto",
        "https://devonclarke.blog.test/",
    ),
    Person(
        "aisha",
        "Aisha Rahman",
        "coach",
        "Instructional coach for three primary schools. I collect small experiments that teachers can try tomorrow.",
        "Coaching, Maths",
        "K–5",
        "Asia/Dubai",
        "https://aisha-coaches.example.org/",
    ),
    Person(
        "kenji",
        "Kenji Watanabe",
        "teacher",
        "High school chemistry. Lab notebooks, student questions, and too many sticky notes.",
        "Chemistry, Physics",
        "High school",
        "Asia/Tokyo",
        "https://kenji.blog.test/",
    ),
    Person(
        "priya",
        "Priya Nair",
        "librarian",
        "School librarian. Our library has a makerspace, a podcast booth and, still, a lot of books.",
        "Library, Media literacy",
        "Grades 1–12",
        "Asia/Kolkata",
        "https://priya-reads.example.org/",
    ),
    Person(
        "liam",
        "Liam O'Connor",
        "student_teacher",
        "Student teacher in my final placement. Learning out loud here, mistakes included.",
        "History, English",
        "Grades 9–10",
        "Europe/Dublin",
        "https://liamlearns.test/",
    ),
    Person(
        "amara",
        "Amara Okafor",
        "teacher",
        "Maths teacher who believes every student can love a good puzzle.",
        "Mathematics",
        "Grades 7–9",
        "Africa/Lagos",
        "https://amara-maths.example.org/",
    ),
    Person(
        "sofia",
        "Sofía Herrera",
        "teacher",
        "Spanish and world languages. My students write for real audiences in three countries.",
        "Spanish, French",
        "High school",
        "Europe/Madrid",
        "https://sofia-herrera.blog.test/",
    ),
    Person(
        "tane",
        "Tāne Walker",
        "principal",
        "Principal of a small rural primary school. We are small, so everyone does a bit of everything.",
        "Leadership",
        "Years 1–8",
        "Pacific/Auckland",
        "https://tane-walker.example.org/",
    ),
    Person(
        "grace",
        "Grace Ndlovu",
        "coach",
        "Digital learning coach. I care more about the learning than the device.",
        "Digital learning",
        "K–12",
        "Africa/Johannesburg",
        "https://gracendlovu.test/",
    ),
    Person(
        "noah",
        "Noah Fischer",
        "teacher",
        "Primary teacher and part-time woodworker. We build things in my classroom, then talk about them.",
        "Design and technology",
        "Grades 3–4",
        "Europe/Berlin",
        "https://noah-builds.example.org/",
    ),
    Person(
        "lucia",
        "Lucía Romero",
        "student_teacher",
        "Student teacher in early childhood education. I film my practice so I can watch myself learn.",
        "Early years",
        "Pre-K–K",
        "America/Argentina/Buenos_Aires",
        "https://lucia-romero.blog.test/",
    ),
    Person(
        "jordan",
        "Jordan Lee",
        "librarian",
        "Teacher-librarian and podcast host. Ask me about student-run book clubs.",
        "Library, English",
        "Grades 7–12",
        "Australia/Sydney",
        "https://jordanlee.example.org/",
    ),
]

WEEKS = [
    WeekPlan(
        "What innovation is (and isn't)",
        "What is something new and better that you have seen in a classroom this year?",
        [(0, "Part I, Chapters 1–2: What Innovation Is and Isn't; The Innovator's Mindset"), (1, "Chapters 1–2")],
        [
            (
                "blog",
                "Write about a change in your classroom or school that was new but not better. What did it teach you?",
            ),
            ("video", "Record a video of two minutes or less: introduce yourself and one question you bring."),
            ("image", "Make an image that shows what “new and better” means in your work."),
        ],
        LivePlan("Kick-off: why we learn in the open", 3, 18),
    ),
    WeekPlan(
        "Characteristics of the innovator's mindset",
        "Which characteristic comes easiest to you, and which one do you avoid?",
        [(0, "Part I, Chapter 3: Characteristics of the Innovator's Mindset"), (1, "Chapters 3–4")],
        [
            ("blog", "Pick one characteristic you want to grow this season. What is one small step for next week?"),
            ("video", "Show us, in a short clip, a moment from your week when someone took a risk."),
            ("image", "Sketch or chart where risk-taking feels safe in your school, and why."),
        ],
        LivePlan("Risk, resilience and reflection", 3, 18),
    ),
    WeekPlan(
        "Relationships first",
        "How do you build relationships that make it safe to try something new?",
        [
            (0, "Part II, Chapters 4–5: Relationships, Relationships, Relationships; Learn, Lead, and Innovate"),
            (1, "Chapter 5"),
        ],
        [
            ("blog", "Describe a relationship that changed how you teach or lead."),
            ("video", "Ask a student or colleague (with their permission) what makes them feel valued at school."),
            ("image", "Make a chart or picture of the people you learn from this season."),
        ],
        LivePlan("Relationships and trust, with questions from the group", 3, 18),
    ),
    WeekPlan(
        "A shared vision",
        "What would learning look like in your school if everyone owned the vision?",
        [(0, "Part II, Chapter 6: Creating a Shared Vision"), (1, "Chapter 6")],
        [
            ("blog", "Write your vision for learning in one paragraph, then ask a student to write theirs."),
            ("image", "Turn your vision into a single image with no more than five words on it."),
        ],
        LivePlan("From a poster on the wall to a vision people live", 3, 18),
    ),
    WeekPlan(
        "Unleashing talent",
        "Whose strengths in your school are hidden, and how could you bring them out?",
        [
            (
                0,
                "Part III, Chapters 7–9: Strengths-Based Leadership; Powerful Learning First, Technology Second; "
                "Less Is More",
            ),
            (1, "Chapters 7–8"),
        ],
        [
            ("blog", "What could you stop doing to make room for deeper learning?"),
            ("video", "Show a piece of student work that surprised you and tell us why."),
            ("image", "Draw the balance of learning and technology in one of your lessons."),
        ],
        LivePlan("Strengths first: a conversation with teacher leaders", 3, 18),
    ),
    WeekPlan(
        "An open culture, and what comes next",
        "What will you keep doing after this season ends?",
        [
            (0, "Part III, Chapters 10–11: Embracing an Open Culture; Creating Meaningful Learning Experiences"),
            (0, "Part IV: Concluding Thoughts"),
            (1, "Chapter 9 and the conclusion"),
        ],
        [
            ("blog", "Look back at your first post. What has changed in your thinking?"),
            ("video", "Thank someone in the network whose work helped you, and tell them how."),
        ],
        LivePlan("Closing session: where we go from here", 3, 18),
    ),
]


def _genius_hour() -> bytes:
    return demo_images.bar_chart(
        "Genius hour: what my class chose", [("Build", 9), ("Code", 6), ("Write", 4), ("Film", 5)]
    )


def _network_growth() -> bytes:
    return demo_images.line_chart("People I talked with in #IMMOOC", [("Week 1", 3), ("Week 2", 7), ("Week 3", 12)])


def _new_and_better() -> bytes:
    return demo_images.sticky_notes(
        "New and better means…",
        ["Student\nchoice", "Real\naudience", "Less\ntalk", "More\nmaking", "Feedback\nsooner", "Try it\nagain"],
    )


def _safe_risks() -> bytes:
    return demo_images.three_circles("Where risks feel safe", ("Trust", "Time", "Support"), "Risk")


def _who_i_learn_from() -> bytes:
    return demo_images.bar_chart(
        "Who I learned from this week",
        [("Students", 8), ("Colleagues", 5), ("#IMMOOC", 6), ("Family", 2)],
    )


ARTIFACTS = [
    # Week 1. The first post of the season is older than the comment window: its thread is closed.
    ArtifactPlan(
        "maria",
        "post",
        "New isn't always better: our first week of flexible seating",
        15.5,
        body=(
            "## What I tried\n\n"
            "Last spring I replaced every desk in my room with a mix of standing tables, floor cushions and two "
            "old sofas. It was certainly *new*.\n\n"
            "## What happened\n\n"
            "- Day 1: delight.\n"
            "- Day 3: arguments about the sofas.\n"
            "- Day 5: the quieter kids had stopped choosing at all and sat wherever was left.\n\n"
            "> New was easy. Better needed my students in the room when I made the decision.\n\n"
            "## What I changed\n\n"
            "We started again, together. The class wrote the seating agreements and we review them every Friday. "
            "It is less photogenic and much better.\n\n"
            "How do you involve students when you change their space? #IMMOOC #flexibleseating"
        ),
        prompt=(1, 1),
        comments=[
            CommentPlan(
                "devon",
                "The line about the quieter kids stopped me. What did the Friday review look like the first time? "
                "I'd love to borrow it for our staff room (no sofas, sadly).",
                3,
                replies=[
                    CommentPlan(
                        "maria",
                        "Ten minutes, sticky notes: one thing that helped you learn, one thing that got in the way. "
                        "Then we vote on one change. Steal away!",
                        6,
                    ),
                    CommentPlan("devon", "Trying it with staff next Friday. I'll report back. #IMMOOC", 9),
                ],
            ),
            CommentPlan(
                "aisha",
                "Thank you for writing about the part that didn't work. That's the post I'll share with my teachers "
                "this week — it makes it safe for them to try and adjust.",
                20,
            ),
            CommentPlan(
                "george",
                "“Better needed my students in the room” is such a good test for any change. I wonder how it would "
                "change our staff meetings if we asked the same question?",
                30,
            ),
        ],
    ),
    ArtifactPlan(
        "devon",
        "video",
        "Hello from a principal who is trying to get out of the office",
        12.4,
        body="My introduction and my question for the season: how do I make time to *learn* alongside my staff?",
        url="https://www.youtube.com/watch?v=Dv0nIntr0aB",
        prompt=(1, 2),
        comments=[
            CommentPlan(
                "tane",
                "Same question here! What's one thing you already took off your plate to make time?",
                5,
                replies=[
                    CommentPlan("devon", "Email after 4pm. Turns out nothing caught fire. What about you, Tāne?", 8),
                    CommentPlan("tane", "Walking meetings. Fewer slides, more listening.", 12),
                ],
            )
        ],
    ),
    ArtifactPlan(
        "aisha",
        "image",
        "What “new and better” means to the teachers I coach",
        11.6,
        body="I asked twenty teachers to finish the sentence *new and better means…* These six came up most.",
        image=_new_and_better,
        image_alt=(
            "Six coloured sticky notes on a grey wall under the heading “New and better means…”. They read: "
            "Student choice, Real audience, Less talk, More making, Feedback sooner, Try it again."
        ),
        prompt=(1, 3),
        comments=[
            CommentPlan("priya", "“Try it again” might be my favourite. Did any of the teachers disagree?", 4),
            CommentPlan("kenji", "Sharing this with my department. We talk too much in labs. #IMMOOC", 26),
        ],
    ),
    ArtifactPlan(
        "kenji",
        "link",
        "A lab notebook students actually want to write in",
        11.0,
        body=(
            "I rewrote our lab notebook template so it starts with *the question you have*, not the method. "
            "Worth reading if you teach any science: it is short and has the template at the end."
        ),
        url="https://kenji.blog.test/2024/lab-notebooks-that-start-with-questions",
        comments=[CommentPlan("amara", "Could the same start-with-a-question page work in maths? Trying it.", 7)],
    ),
    ArtifactPlan(
        "priya",
        "post",
        "Our library makerspace, one year in (staff only for now)",
        10.6,
        body=(
            "Sharing with the course before I post it publicly — I'd value your questions first.\n\n"
            "1. We began with one table and a box of cardboard.\n"
            "2. Students asked for a podcast booth, so we built one from old shelves.\n"
            "3. Borrowing went *up*, not down.\n\n"
            "What would you want to know before trying this in your school? #IMMOOC"
        ),
        visibility="course",
        comments=[
            CommentPlan(
                "jordan",
                "How did you decide what to stop doing to make room for it? Libraries never get more space.",
                9,
                replies=[CommentPlan("priya", "We weeded the reference section hard. Nobody has missed it yet.", 14)],
            )
        ],
    ),
    # Week 2
    ArtifactPlan(
        "liam",
        "post",
        "Taking risks when it isn't your classroom",
        8.5,
        body=(
            "### The problem\n\n"
            "As a student teacher, every lesson is borrowed. Trying something new feels like rearranging someone "
            "else's furniture.\n\n"
            "### What helped\n\n"
            "My mentor said: *tell me the risk before you take it, then we'll both watch what happens.* "
            "Naming it made it a shared experiment instead of a gamble.\n\n"
            "Student teachers here: how do you ask for room to try? #IMMOOC #studentteaching"
        ),
        prompt=(2, 1),
        comments=[
            CommentPlan(
                "george",
                "“Tell me the risk before you take it” is a gift of a mentor. What risk are you naming next?",
                2,
                replies=[CommentPlan("liam", "Letting the class choose the order of the unit. Gulp.", 5)],
            ),
            CommentPlan(
                "lucia", "I'm going to ask my mentor for exactly this. Thank you for putting it into words.", 11
            ),
        ],
    ),
    ArtifactPlan(
        "amara",
        "video",
        "Three minutes of a maths lesson that went sideways (and why I'm glad)",
        7.8,
        body="A student's wrong answer turned into the best discussion of the term. Watch what happens at 1:40.",
        url="https://vimeo.com/824519306",
        prompt=(2, 2),
        comments=[
            CommentPlan(
                "aisha",
                "The pause you left after the wrong answer — was that planned? Teachers ask me how long to wait.",
                6,
                replies=[CommentPlan("amara", "Not planned at all! I was thinking. It worked anyway.", 9)],
            )
        ],
    ),
    ArtifactPlan(
        "sofia",
        "image",
        "Where risks feel safe in our language department",
        7.0,
        body="Trust, time and support: where all three overlap, my students try speaking without a script.",
        image=_safe_risks,
        image_alt=(
            "A diagram of three overlapping circles labelled Trust, Time and Support. "
            "The small area where all three overlap is labelled Risk."
        ),
        prompt=(2, 3),
        comments=[CommentPlan("noah", "Which circle is hardest to grow? I suspect time.", 10)],
    ),
    ArtifactPlan(
        "tane",
        "post",
        "Five things I stopped doing as a principal",
        6.2,
        body=(
            "1. Opening staff meetings with announcements (they are an email now).\n"
            "2. Approving every small purchase.\n"
            "3. Visiting classrooms only to evaluate.\n"
            "4. Saying *we tried that before*.\n"
            "5. Sharing only my own school's stories online.\n\n"
            "Number 5 came from this course. Sharing other people's work, after reading it, has taught me more "
            "than posting our own news ever did. #IMMOOC #leadership"
        ),
        comments=[
            CommentPlan(
                "devon",
                "Number 4 — how do you catch yourself before saying it? Asking for a friend (me).",
                3,
                replies=[CommentPlan("tane", "My deputy raises an eyebrow. Highly recommended.", 7)],
            ),
            CommentPlan("grace", "Shared this with our leadership team with a note on number 3. Thank you.", 20),
        ],
    ),
    ArtifactPlan(
        "grace",
        "link",
        "A simple checklist: learning first, device second",
        5.5,
        body="I read this twice before sharing. A one-page checklist to look at a lesson plan *before* picking tools.",
        url="https://gracendlovu.test/learning-first-checklist",
    ),
    ArtifactPlan(
        "noah",
        "video",
        "Week 2 in my classroom: the birdhouse test",
        4.8,
        body="Grade 3 designs a birdhouse, tests it in the rain, then rebuilds it. The rebuild is the lesson.",
        url="https://youtu.be/N0ahBirdH5x",
        prompt=(2, 2),
        comments=[CommentPlan("maria", "What do they write down between the test and the rebuild?", 5)],
    ),
    ArtifactPlan(
        "jordan",
        "post",
        "Book club notes: what my students said about risk",
        4.0,
        body=(
            "Our student book club read chapter three alongside us. Course members only, as the students gave "
            "permission for the course and not the whole internet.\n\n"
            "> “It's easier to take a risk when someone else goes first.” — a Year 9 student\n\n"
            "Who goes first in your school? #IMMOOC"
        ),
        visibility="course",
    ),
    ArtifactPlan(
        "george",
        "image",
        "Week 2 in numbers: our network is growing",
        3.5,
        body=(
            "Thank you all. A quick look at how many people each of us talked with, averaged over the course. "
            "Keep reading each other before sharing — it shows."
        ),
        image=_network_growth,
        image_alt=(
            "A line chart titled “People I talked with in #IMMOOC”, rising from 3 in week 1 to 7 in week 2 "
            "and 12 in week 3."
        ),
    ),
    ArtifactPlan(
        "maria",
        "quote",
        "Better for whom?",
        5.2,
        body=(
            "My note: this is the question I now ask before trying any new tool. New for me is not the same as "
            "better for the nine-year-old in front of me."
        ),
        book=0,
        page=52,
        chapter="Chapter 3: Characteristics of the Innovator's Mindset",
        passage="Ask first who the change is better for, and how you would know.",
        comments=[CommentPlan("devon", "How would you know, in your class? What would you look for?", 4)],
    ),
    ArtifactPlan(
        "grace",
        "quote",
        "Voice is not the same as choice",
        3.2,
        body="A note for the coaches among us: we offer choice of tools and call it voice. Chapter 7 says otherwise.",
        book=1,
        page=151,
        chapter="Chapter 7",
    ),
    # Week 3 (this week)
    ArtifactPlan(
        "maria",
        "post",
        "The student who taught me to ask better questions",
        1.8,
        body=(
            "## A question I got wrong\n\n"
            "A student once asked me why we had to show our work. I gave a rule. She stopped asking.\n\n"
            "## A question I got right\n\n"
            "Years later, a different student asked the same thing. This time I asked: *what do you think?* "
            "We spent twenty minutes on it and the whole class changed how they wrote explanations.\n\n"
            "Relationships start with the second kind of answer. #IMMOOC #relationships"
        ),
        prompt=(3, 1),
        comments=[
            CommentPlan(
                "liam",
                "Did you ever get to tell the first student what you learned from her?",
                4,
                replies=[CommentPlan("maria", "Not yet. Maybe this post is a start.", 8)],
            ),
            CommentPlan("sofia", "Sharing this with my department — we argue about “show your work” a lot.", 12),
        ],
    ),
    ArtifactPlan(
        "lucia",
        "video",
        "What makes you feel welcome? Asking my kindergarten class",
        1.2,
        body="With families' permission, I asked five-year-olds what makes school feel like theirs. Hosted on our "
        "school's own video site.",
        url="https://video.example.org/lucia/what-makes-you-feel-welcome.mp4",
        prompt=(3, 2),
        comments=[CommentPlan("priya", "“When you know my name and my dog's name.” I love this.", 6)],
    ),
    ArtifactPlan(
        "aisha",
        "post",
        "Coaching is a relationship before it is a cycle",
        0.9,
        body=(
            "I used to start coaching with a goal-setting form. Now I start with a coffee and one question: "
            "*what are you proud of this month?*\n\n"
            "- Teachers arrive with ideas instead of apologies.\n"
            "- Goals come out of the story, not the form.\n\n"
            "Coaches: what is your first question? #IMMOOC #coaching"
        ),
        prompt=(3, 1),
        comments=[
            CommentPlan(
                "grace",
                "Mine is *what would you try if you knew it couldn't fail?* Yours feels kinder. Trying it.",
                3,
            )
        ],
    ),
    ArtifactPlan(
        "devon",
        "image",
        "Who I learned from this week",
        0.6,
        body="I counted the conversations that changed my thinking this week. Students won, by a lot.",
        image=_who_i_learn_from,
        image_alt=("A bar chart titled “Who I learned from this week”: Students 8, Colleagues 5, #IMMOOC 6, Family 2."),
        prompt=(3, 3),
        comments=[
            CommentPlan("george", "What did the students teach you? I'd read a whole post about that.", 2),
        ],
    ),
    ArtifactPlan(
        "noah",
        "image",
        "Genius hour choices in my class",
        0.5,
        body="Given a free hour a week, this is what my class chose to work on. More builders than I expected.",
        image=_genius_hour,
        image_alt="A bar chart titled “Genius hour: what my class chose”: Build 9, Code 6, Write 4, Film 5.",
    ),
    ArtifactPlan(
        "jordan",
        "video",
        "A 45-second tour of our student-run podcast corner",
        0.3,
        body="Filmed by two Year 8 hosts. #IMMOOC",
        url="https://www.youtube.com/shorts/J0rdanPod45",
        prompt=(3, 2),
    ),
    ArtifactPlan(
        "kenji",
        "post",
        "Half-formed thought: lab partners as relationships",
        0.4,
        body="For the course only while I think it through: what if lab partners stayed together all term? #IMMOOC",
        visibility="course",
        comments=[CommentPlan("amara", "What happens when a pair doesn't work? Do they get a way out?", 2)],
    ),
    ArtifactPlan(
        "priya",
        "link",
        "Reading list: books our students recommend to teachers",
        0.1,
        body="Compiled by our student library team. Every book on it was read by at least two students first.",
        url="https://priya-reads.example.org/student-picks-for-teachers",
    ),
    ArtifactPlan(
        "amara",
        "post",
        "Draft: the relationship I haven't written about yet",
        0.2,
        body="Notes to self. Not ready to share.\n\n- the student from my first year\n- what I would say now",
        prompt=(3, 1),
        visibility="draft",
    ),
]

LIVE_QUESTIONS = [
    ("maria", "How do you rebuild trust with a class after a lesson goes badly wrong?"),
    ("liam", "What can a student teacher do to build relationships in a placement of only eight weeks?"),
    ("grace", "How do you keep relationships strong with staff you only see online?"),
]


# Notes people add when they share someone else's work: why it is worth your time.
SHARE_NOTES = (
    "Read this before Thursday's staff meeting: the part about asking students first changed my plan.",
    "A calm, honest account of something that did not work, and what came next.",
    "Short and practical. I am stealing the checklist for my team.",
    "The question at the end is the one I keep coming back to this week.",
    "Worth ten minutes: it made me rethink how I give feedback.",
)
