"""Hand-written PII corpus for the redaction tests: patient-comment sentences with their expected PII.

Each entry of :data:`CORPUS` is ``(sentence, ((kind, value), ...))`` with the PII items in order of
appearance; an empty tuple means the sentence must come back unchanged (look-alikes: times, prices,
dosages, ward/bed numbers, appointment dates, 10-digit numbers failing modulus 11, years, percentages...).

NHS numbers are built here by computing the modulus-11 check digit independently of the library under
test, so the corpus cannot silently agree with a bug in it. Phone numbers come from the Ofcom ranges
reserved for drama (0113 496 0xxx, 020 7946 0xxx, ...), which ``phonenumbers`` treats as valid. Every
other value is made up.
"""

from __future__ import annotations

NHS = "NHS_NUMBER"
PC = "POSTCODE"
PH = "PHONE"
EM = "EMAIL"
URL = "URL"
NI = "NI_NUMBER"
DOB = "DATE_OF_BIRTH"
NAME = "NAME"

Entry = tuple[str, tuple[tuple[str, str], ...]]


def _check_digit(first_nine: str) -> int | None:
    """Modulus 11: weights 10..2, check = 11 - (sum mod 11); 11 -> 0; 10 means no valid number."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def _fmt(digits: str, sep: str) -> str:
    return digits if sep == "" else f"{digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}"


def nhs(first_nine: str, sep: str = "") -> str:
    """A valid NHS number from its first nine digits, optionally 3-3-4 separated by ``sep``."""
    check = _check_digit(first_nine)
    if check is None:
        raise ValueError(f"{first_nine} has no valid check digit")
    return _fmt(first_nine + str(check), sep)


def nhs_fail(first_nine: str, sep: str = "") -> str:
    """A 10-digit number starting with ``first_nine`` that FAILS the modulus-11 check."""
    check = _check_digit(first_nine)
    wrong = 0 if check is None else (check + 1) % 10
    return _fmt(first_nine + str(wrong), sep)


# The classic published example number; valid under modulus 11.
_EXAMPLE = "943 476 5919"

# Numbers whose remainder gives check 10: no final digit makes them valid.
_NO_CHECK = ("999000014", "999000028", "999000031")


def _e(text: str, *pii: tuple[str, str]) -> Entry:
    return text, tuple(pii)


CORPUS: list[Entry] = [
    # ---- NHS numbers ------------------------------------------------------------------------------------
    _e(f"my nhs number is {_EXAMPLE} and they lost my notes", (NHS, _EXAMPLE)),
    _e(f"NHS number {nhs('999000001')} - please pass this on to the ward", (NHS, nhs("999000001"))),
    _e(f"My NHS no. is {nhs('999000002', ' ')}.", (NHS, nhs("999000002", " "))),
    _e(f"nhs no:{nhs('999000003', '-')} the letter had the wrong address", (NHS, nhs("999000003", "-"))),
    _e(
        f"They asked for my NHS number ({nhs('999000004')}) three times at reception", (NHS, nhs("999000004"))
    ),
    _e(f"{nhs('999000005', ' ')} is my number, nobody could find my record", (NHS, nhs("999000005", " "))),
    _e(
        f"Please update the record for {nhs('999000006')}, my husband, who has moved", (NHS, nhs("999000006"))
    ),
    _e(
        f"my mum's nhs number is {nhs('999000007', ' ')} and she waited 4 hours", (NHS, nhs("999000007", " "))
    ),
    _e(f"Ref NHS {nhs('999000008', '-')}: discharge letter never arrived", (NHS, nhs("999000008", "-"))),
    _e(f"I gave the receptionist {nhs('999000009')} but she typed it wrong", (NHS, nhs("999000009"))),
    _e(f"NHS No.{nhs('999000010')}", (NHS, nhs("999000010"))),
    _e(f"the number on my letter was {nhs('999000011', ' ')}, not mine", (NHS, nhs("999000011", " "))),
    _e(f"My son ({nhs('999000012')}) was seen within 20 minutes, thank you", (NHS, nhs("999000012"))),
    _e(f"nhs {nhs('999000013', ' ')} appointment was cancelled twice", (NHS, nhs("999000013", " "))),
    _e(
        f"Both of us: {nhs('999000015')} and {nhs('999000016', ' ')}.",
        (NHS, nhs("999000015")),
        (NHS, nhs("999000016", " ")),
    ),
    _e(f"patient {nhs('999000017', '-')} fell on the ward", (NHS, nhs("999000017", "-"))),
    _e(
        f"My NHS number is {nhs('999000018')} and my pharmacy keeps losing the prescription",
        (NHS, nhs("999000018")),
    ),
    _e(f"NHS#{nhs('999000019')} lost results", (NHS, nhs("999000019"))),
    _e(f"quote {nhs('999000020', ' ')} when you ring back", (NHS, nhs("999000020", " "))),
    _e(f"number {nhs('999000021')}; dad has dementia and needs support", (NHS, nhs("999000021"))),
    _e(f"It says {nhs('999000022', ' ')} on the wristband which is right", (NHS, nhs("999000022", " "))),
    _e(f"My daughter's NHS number: {nhs('999000023')}", (NHS, nhs("999000023"))),
    _e(f"NHS NUMBER {nhs('999000024', '-')} SEEN IN A&E", (NHS, nhs("999000024", "-"))),
    _e(f"the app shows {nhs('999000025')} but my card says something else", (NHS, nhs("999000025"))),
    _e(f"Could someone call me about {nhs('999000026', ' ')}?", (NHS, nhs("999000026", " "))),
    # ---- Postcodes -----------------------------------------------------------------------------------
    _e("I live at LS1 4AP and the ambulance went to the wrong street", (PC, "LS1 4AP")),
    _e("Home visit needed, postcode ls6 2qt", (PC, "ls6 2qt")),
    _e("The hospital is miles from my home in SW1A 1AA.", (PC, "SW1A 1AA")),
    _e("postcode is m11ae and the taxi couldn't find it", (PC, "m11ae")),
    _e("I moved to B33 8TH last year and my GP records did not follow", (PC, "B33 8TH")),
    _e("Letters still go to CR2 6XH", (PC, "CR2 6XH")),
    _e("please send the letter to DN55 1PT, not my old address", (PC, "DN55 1PT")),
    _e("Parking near EC1A 1BB is impossible", (PC, "EC1A 1BB")),
    _e("my address W1A 0AX was wrong on the system", (PC, "W1A 0AX")),
    _e("we came from NE1 4LP by bus", (PC, "NE1 4LP")),
    _e("Transport picked me up from bs81th at 7am", (PC, "bs81th")),
    _e("CF10 1EP is where I live, 2 buses away", (PC, "CF10 1EP")),
    _e("Edinburgh EH1 1YZ patients should not have to travel this far", (PC, "EH1 1YZ")),
    _e("I'm in BT1 5GS.", (PC, "BT1 5GS")),
    _e("the clinic is OX3 9DU but the sat nav sent us elsewhere", (PC, "OX3 9DU")),
    _e("Address: 12 High Street, le1 5ww", (PC, "le1 5ww")),
    _e("My postcode (NG7 2UH) was spelt wrong", (PC, "NG7 2UH")),
    _e("S10 2TN, flat 3 - nobody came", (PC, "S10 2TN")),
    _e("patient transport to L3 5TF was late", (PC, "L3 5TF")),
    _e("pl68dh", (PC, "pl68dh")),
    _e("No fixed abode so they used ZZ99 3VZ on my record", (PC, "ZZ99 3VZ")),
    _e("they put zz99 3cz as my postcode", (PC, "zz99 3cz")),
    _e("Home is YO10 5DD and the bus only runs hourly", (PC, "YO10 5DD")),
    _e("hu3 2jz. great care", (PC, "hu3 2jz")),
    _e("From CB2 0QQ, parking was £8", (PC, "CB2 0QQ")),
    _e("SO16 6YD to the hospital took 2 hours", (PC, "SO16 6YD")),
    _e("I'm at G2 3AX, Glasgow", (PC, "G2 3AX")),
    _e("new address GIR 0AA", (PC, "GIR 0AA")),
    # ---- Phone numbers -------------------------------------------------------------------------------
    _e("Please call me on 0113 496 0123 about my results", (PH, "0113 496 0123")),
    _e("my number is (0113) 496 0456 if anyone wants to follow up", (PH, "(0113) 496 0456")),
    _e("ring 020 7946 0000 and nobody answers", (PH, "020 7946 0000")),
    _e("Call me (020 7946 0999) after 5pm", (PH, "020 7946 0999")),
    _e("contact: +44 113 496 0789", (PH, "+44 113 496 0789")),
    _e("My husband's phone is +44 (0)20 7946 0321.", (PH, "+44 (0)20 7946 0321")),
    _e("tel 01134960555, thanks", (PH, "01134960555")),
    _e("phone 0161 496 0000 for the ward", (PH, "0161 496 0000")),
    _e("the clinic number 0117 496 0123 goes to voicemail", (PH, "0117 496 0123")),
    _e("I rang 0121 496 0456 twenty times", (PH, "0121 496 0456")),
    _e("Text or call 0131 496 0789.", (PH, "0131 496 0789")),
    _e("daughter on 0141-496-0001 can help", (PH, "0141-496-0001")),
    _e("contact number 028 9649 6000 please", (PH, "028 9649 6000")),
    _e("you can reach me at 029 2018 0123 during the day", (PH, "029 2018 0123")),
    _e("0114 496 0321 is my landline", (PH, "0114 496 0321")),
    # A number straight after the phone number (the candidate run swallows it; the phone must survive).
    _e("Tel 0113 496 0356 2 months later I was discharged", (PH, "0113 496 0356")),
    _e("Tel +44 113 496 0348 2) Most of them were kind", (PH, "+44 113 496 0348")),
    _e("ring 0113 496 0893 153 times and still no answer", (PH, "0113 496 0893")),
    _e("Liverpool office 0151 496 0123 was very helpful", (PH, "0151 496 0123")),
    _e("I called 0191 498 0123 and waited 45 minutes", (PH, "0191 498 0123")),
    _e("freephone 0808 157 0123 never picks up", (PH, "0808 157 0123")),
    _e("the number they gave, 0306 999 0123, was wrong", (PH, "0306 999 0123")),
    _e("0044 113 496 0999 from abroad", (PH, "0044 113 496 0999")),
    _e("call 0118 496 0333 or 0116 496 0444", (PH, "0118 496 0333"), (PH, "0116 496 0444")),
    _e("Reading number 0118 496 0777", (PH, "0118 496 0777")),
    _e("my mobile isn't working so use 020 7946 0111 (home)", (PH, "020 7946 0111")),
    _e("phone:02079460222", (PH, "02079460222")),
    _e("ring them on +441134960888 they were lovely", (PH, "+441134960888")),
    # ---- Emails --------------------------------------------------------------------------------------
    _e("email me at john.smith@example.com with the results", (EM, "john.smith@example.com")),
    _e("My email is mary.o'brien@example.co.uk.", (EM, "mary.o'brien@example.co.uk")),
    _e("contact pals@leedsth.nhs.uk was useless", (EM, "pals@leedsth.nhs.uk")),
    _e("j.bloggs99@gmail.com - please reply", (EM, "j.bloggs99@gmail.com")),
    _e("I wrote to first.last+nhs@example.org twice", (EM, "first.last+nhs@example.org")),
    _e("SARAH.JONES@EXAMPLE.COM is my email", (EM, "SARAH.JONES@EXAMPLE.COM")),
    _e("send it to a_b-c@mail.example.net", (EM, "a_b-c@mail.example.net")),
    _e("(email: dave.p@example.com)", (EM, "dave.p@example.com")),
    _e("my son's email tom.w.2010@example.co.uk gets nothing", (EM, "tom.w.2010@example.co.uk")),
    _e(
        "Emailed complaints@hospital.example.nhs.uk and had no reply after 6 weeks",
        (EM, "complaints@hospital.example.nhs.uk"),
    ),
    _e("You can email me, anne@example.com, any time", (EM, "anne@example.com")),
    _e("email address: K.Patel@Example.org", (EM, "K.Patel@Example.org")),
    _e(
        "reply to jo@example.com or jo.work@example.co.uk",
        (EM, "jo@example.com"),
        (EM, "jo.work@example.co.uk"),
    ),
    _e("my carer's email is c.carer@care.example.org.uk!", (EM, "c.carer@care.example.org.uk")),
    _e("contact mike1980@example.com", (EM, "mike1980@example.com")),
    _e(
        "Write to patient.experience@trust.example.nhs.uk for a copy",
        (EM, "patient.experience@trust.example.nhs.uk"),
    ),
    _e("email:lucy@example.io", (EM, "lucy@example.io")),
    _e("bob.smith@example.com.", (EM, "bob.smith@example.com")),
    _e("Their email (info@clinic.example.com) bounced", (EM, "info@clinic.example.com")),
    _e("my wife's address is helen.t@example.net and she didn't get anything", (EM, "helen.t@example.net")),
    # ---- URLs ----------------------------------------------------------------------------------------
    _e(
        "see https://www.nhs.uk/conditions/asthma/ for what I was told",
        (URL, "https://www.nhs.uk/conditions/asthma/"),
    ),
    _e(
        "the leaflet said www.leedsth.nhs.uk/patients but it didn't work",
        (URL, "www.leedsth.nhs.uk/patients"),
    ),
    _e("I filled in http://example.com/feedback?id=123 already", (URL, "http://example.com/feedback?id=123")),
    _e(
        "Survey link https://forms.example.org/survey/2024/complaint#top is broken",
        (URL, "https://forms.example.org/survey/2024/complaint#top"),
    ),
    _e("website (https://example.com/a/b) was out of date", (URL, "https://example.com/a/b")),
    _e("Go to WWW.EXAMPLE.COM.", (URL, "WWW.EXAMPLE.COM")),
    _e(
        "my blog https://myblog.example.net/2024/03/12/my-stay-on-ward-22 has the full story",
        (URL, "https://myblog.example.net/2024/03/12/my-stay-on-ward-22"),
    ),
    _e("read www.example.org/help, it helped", (URL, "www.example.org/help")),
    _e(
        "https://example.com/ref/01134960123 was the booking page",
        (URL, "https://example.com/ref/01134960123"),
    ),
    _e(
        "I posted at https://www.facebook.com/groups/example-patients",
        (URL, "https://www.facebook.com/groups/example-patients"),
    ),
    _e(
        "info on http://www.example.co.uk:8080/path/page.html?x=1&y=2",
        (URL, "http://www.example.co.uk:8080/path/page.html?x=1&y=2"),
    ),
    _e("the QR code went to https://bit.example/Ab12Cd", (URL, "https://bit.example/Ab12Cd")),
    _e("Booking via www.nhs.uk/nhs-app was easy", (URL, "www.nhs.uk/nhs-app")),
    _e(
        "links: https://a.example.com and https://b.example.com/x",
        (URL, "https://a.example.com"),
        (URL, "https://b.example.com/x"),
    ),
    _e("check https://example.org/results?patient=42!", (URL, "https://example.org/results?patient=42")),
    _e("My video: https://youtu.be/dQw4w9WgXcQ", (URL, "https://youtu.be/dQw4w9WgXcQ")),
    _e("HTTPS://EXAMPLE.COM/PATH is where the form is", (URL, "HTTPS://EXAMPLE.COM/PATH")),
    _e("on www.example.com/contact-us; no reply", (URL, "www.example.com/contact-us")),
    _e(
        "I reviewed them at https://www.iwantgreatcare.example/doctor/1234",
        (URL, "https://www.iwantgreatcare.example/doctor/1234"),
    ),
    _e("'https://example.net/q' was the address", (URL, "https://example.net/q")),
    # URLs without a scheme or "www." (bare domains, with and without a path) - issue 21.
    _e("the leaflet said go to nhs.uk/conditions/asthma for advice", (URL, "nhs.uk/conditions/asthma")),
    _e("I wrote it all up on example.org/page", (URL, "example.org/page")),
    _e(
        "my fundraising page gofundme.com/f/help-for-dad-2024 has photos",
        (URL, "gofundme.com/f/help-for-dad-2024"),
    ),
    _e("the receptionist told me to use 111.nhs.uk.", (URL, "111.nhs.uk")),
    _e("Look me up: linkedin.com/in/jane-doe-12345", (URL, "linkedin.com/in/jane-doe-12345")),
    _e("the QR code took me to bit.ly/3xYzAb which was wrong", (URL, "bit.ly/3xYzAb")),
    _e("Check GOV.UK/BLUE-BADGE before you apply", (URL, "GOV.UK/BLUE-BADGE")),
    _e(
        "my daughter's blog (mystory.example.co.uk/ward-7) says it all", (URL, "mystory.example.co.uk/ward-7")
    ),
    _e(
        "I found the form at forms.example.nhs.uk:8443/feedback?ward=12",
        (URL, "forms.example.nhs.uk:8443/feedback?ward=12"),
    ),
    _e(
        "our group is at facebook.com/groups/mumsofexampletown, come and see",
        (URL, "facebook.com/groups/mumsofexampletown"),
    ),
    _e("there is nothing on carersuk.org about respite", (URL, "carersuk.org")),
    _e("they sent me to example.net, then example.io/help", (URL, "example.net"), (URL, "example.io/help")),
    # A Markdown image link (as Care Opinion writes them) ends at its bracket; the next word is kept.
    _e(
        "![Image](https://www.example.org.uk/posting-images/a1b2.png)The ward",
        (URL, "https://www.example.org.uk/posting-images/a1b2.png"),
    ),
    # ---- National Insurance numbers -------------------------------------------------------------------
    _e("My NI number is AB 12 34 56 C", (NI, "AB 12 34 56 C")),
    _e("national insurance ab123456c for the benefits form", (NI, "ab123456c")),
    _e("NI no JG103759A.", (NI, "JG103759A")),
    _e("they wanted my NI (JG 10 37 59 A) for the parking permit", (NI, "JG 10 37 59 A")),
    _e("ni: CE 98 76 54 B", (NI, "CE 98 76 54 B")),
    _e("national insurance number PA123456D was wrong on the letter", (NI, "PA123456D")),
    _e("NINO SK 11 22 33 A", (NI, "SK 11 22 33 A")),
    _e("my ni is wl 45 67 89 b thank you", (NI, "wl 45 67 89 b")),
    _e("HM 987654 C is my national insurance", (NI, "HM 987654 C")),
    _e("For the blue badge: ZA 55 66 77 D", (NI, "ZA 55 66 77 D")),
    _e("national insurance: RT123123A, please update", (NI, "RT123123A")),
    _e("My NI number, EY 24 68 02 C, was on the form", (NI, "EY 24 68 02 C")),
    _e("(NI KL778899B)", (NI, "KL778899B")),
    _e("ni number tc 13 57 91 a", (NI, "tc 13 57 91 a")),
    _e("Benefit office needed NP 44 55 66 D and my NHS card", (NI, "NP 44 55 66 D")),
    _e("OA112233C national insurance", (NI, "OA112233C")),
    _e("my NI: GH 00 11 22 B.", (NI, "GH 00 11 22 B")),
    _e("the form has MW 65 43 21 A as my national insurance", (NI, "MW 65 43 21 A")),
    _e("N.I. number yb 121212 c", (NI, "yb 121212 c")),
    _e("national insurance no. LE 30 60 90 D", (NI, "LE 30 60 90 D")),
    # ---- Dates of birth in context -------------------------------------------------------------------
    _e("DOB 01/02/1980, they had me down as 1981", (DOB, "01/02/1980")),
    _e("my date of birth is 1 February 1980 and they still got it wrong", (DOB, "1 February 1980")),
    _e("D.O.B. 1.2.80", (DOB, "1.2.80")),
    _e("born on 1st Feb 1980 in this hospital", (DOB, "1st Feb 1980")),
    _e("dob: 23/11/1957 - please check records", (DOB, "23/11/1957")),
    _e("My birthday is 3rd March 1979 and they sent a card for the wrong date", (DOB, "3rd March 1979")),
    _e("Date of Birth: 15-06-1992", (DOB, "15-06-1992")),
    _e("I was born on 30 Sept 1945.", (DOB, "30 Sept 1945")),
    _e("mum (DOB 7.7.39) was left in a corridor", (DOB, "7.7.39")),
    _e("date of birth 12th of December 2001", (DOB, "12th of December 2001")),
    _e("born 05/05/05 at this hospital and still treated well", (DOB, "05/05/05")),
    _e("DOB - 28 Feb 1966", (DOB, "28 Feb 1966")),
    _e("my dob is 9/9/1999", (DOB, "9/9/1999")),
    _e("His date of birth was 14 July 1950, not 1960", (DOB, "14 July 1950")),
    _e("born on the 2nd of Jan 1988", (DOB, "2nd of Jan 1988")),
    _e("birthday: 31/12/1970", (DOB, "31/12/1970")),
    _e("D.O.B: 04.04.1944, hip replacement", (DOB, "04.04.1944")),
    _e("dob 1st jan '62", (DOB, "1st jan '62")),
    _e("Date of birth February 29th, 1984", (DOB, "February 29th, 1984")),
    _e("born 17 Aug 2019, my daughter was treated brilliantly", (DOB, "17 Aug 2019")),
    _e("DOB=02/03/1975", (DOB, "02/03/1975")),
    _e("birth date 11/10/1948 on the wristband was wrong", (DOB, "11/10/1948")),
    _e("my son was born on 6th June 2015 on ward 22", (DOB, "6th June 2015")),
    # Dates of birth in the other usual spellings (issue 21): system formats, ISO, compact, spaced, no
    # space after the cue, the cue written d/o/b or DoB, words between cue and date, the date before its cue.
    _e("born 3rd March 1961 and never had a problem until now", (DOB, "3rd March 1961")),
    _e("DOB: 03.03.61 - wrong on the discharge letter", (DOB, "03.03.61")),
    _e("d.o.b 3/3/1961", (DOB, "3/3/1961")),
    _e("DOB 03-Mar-61 on the wristband", (DOB, "03-Mar-61")),
    _e("the label said D/O/B 03MAR1961", (DOB, "03MAR1961")),
    _e("DoB 1961-03-03 (from the app)", (DOB, "1961-03-03")),
    _e("date of birth 03031961 typed into the kiosk", (DOB, "03031961")),
    _e("DOB03/03/61 was printed on the letter", (DOB, "03/03/61")),
    _e("Date-of-birth: (3 / 3 / 1961)", (DOB, "3 / 3 / 1961")),
    _e("DOB:- 3.3.1961 and they still couldn't find me", (DOB, "3.3.1961")),
    _e("they had my date of birth recorded as 4/5/1972 not 5/4/1972", (DOB, "4/5/1972")),
    _e("his dob was down as 12th Dec 1948", (DOB, "12th Dec 1948")),
    _e("03/03/1961 is my date of birth, not 1962", (DOB, "03/03/1961")),
    _e("Patient 7.8.45 (DOB) waited on a trolley", (DOB, "7.8.45")),
    _e("5 June 1938 was Mum's date of birth and they wrote 1983", (DOB, "5 June 1938")),
    _e("born: 1st-Jan-2001, premature", (DOB, "1st-Jan-2001")),
    # ---- Several kinds in one comment ----------------------------------------------------------------
    _e(
        f"NHS {nhs('999000029')}, DOB 01/01/1950, LS1 4AP, tel 0113 496 0001",
        (NHS, nhs("999000029")),
        (DOB, "01/01/1950"),
        (PC, "LS1 4AP"),
        (PH, "0113 496 0001"),
    ),
    _e(
        "email jo.b@example.com or ring 020 7946 0555, I live in m1 1ae",
        (EM, "jo.b@example.com"),
        (PH, "020 7946 0555"),
        (PC, "m1 1ae"),
    ),
    _e(
        f"I'm {nhs('999000030', ' ')} and my NI is AB 12 34 56 C",
        (NHS, nhs("999000030", " ")),
        (NI, "AB 12 34 56 C"),
    ),
    _e(
        "see https://example.com/complaint and email pals@example.nhs.uk",
        (URL, "https://example.com/complaint"),
        (EM, "pals@example.nhs.uk"),
    ),
    _e(
        f"At 10:30 on 12/03/2024 the nurse took {nhs('999000032')} and my DOB 3/4/1960",
        (NHS, nhs("999000032")),
        (DOB, "3/4/1960"),
    ),
    _e("Ward 22, bed 14: call (0113) 496 0234 before 9am", (PH, "(0113) 496 0234")),
    _e(f"{nhs('999000033', '-')} / ZZ99 3VZ / no phone", (NHS, nhs("999000033", "-")), (PC, "ZZ99 3VZ")),
    _e("500mg twice a day, write to me at 5 Park Road, bd7 1dp", (PC, "bd7 1dp")),
    _e("paid £12.50 to park, then the postcode DE22 3NE was wrong on the letter", (PC, "DE22 3NE")),
    _e(
        f"nhs number {_EXAMPLE}, phone 0161 496 0999, email a.b@example.org",
        (NHS, _EXAMPLE),
        (PH, "0161 496 0999"),
        (EM, "a.b@example.org"),
    ),
    # ---- Look-alikes: must come back unchanged -------------------------------------------------------
    _e("My appointment was at 10:30 and I was seen at 12:45"),
    _e("Parking cost £12.50 for two hours"),
    _e("They gave me 500mg twice a day"),
    _e("I was on ward 22 for a week"),
    _e("bed 14 was by the window"),
    _e("My appointment on 12/03/2024 was cancelled"),
    _e("Seen on 1st February 2024 by the physio"),
    _e("reference 1234567890 on the letter"),
    _e(f"My order number is {nhs_fail('999000001')} and it never came"),
    _e(f"booking ref {nhs_fail('999000002', ' ')} for the clinic"),
    _e(f"invoice {nhs_fail('943476591')} from the dentist"),
    _e(f"ticket {nhs_fail(_NO_CHECK[0])} at the desk"),
    _e(f"the code {nhs_fail(_NO_CHECK[1], '-')} did not work"),
    _e(f"claim {nhs_fail(_NO_CHECK[2], ' ')} still open"),
    _e("I have been coming here since 1998"),
    _e("95% of the staff were brilliant"),
    _e("I waited 3 hours and 20 minutes in A&E"),
    _e("There were 40 people in the waiting room"),
    _e("Take 2 tablets 4 times a day"),
    _e("paracetamol 1g and ibuprofen 400 mg"),
    _e("blood pressure was 140/90"),
    _e("BMI 32.5, weight 98.4kg"),
    _e("Open 24/7 which is great"),
    _e("rang 111 and then 999"),
    _e("COVID-19 rules were confusing"),
    _e("vitamin B12 injections every 12 weeks"),
    _e("Ward B3 2nd floor was clean"),
    _e("Clinic 4A on level 3"),
    _e("the M62 was closed so we were late"),
    _e("room 3B had no heating"),
    _e("I gave it 10/10"),
    _e("rated 4.5 out of 5"),
    _e("appointment at 9am on Monday 3rd June"),
    _e("follow-up on 03/06/2024 at 14:00"),
    _e("seen 2.3.24 and again 9.3.24"),
    _e("I was born in 1980 and have never been treated so badly"),
    _e("my birthday is next week and I'm still here"),
    _e("my birthday was spent on ward 7"),
    _e("It cost £1,250 for private care"),
    _e("queue number 47"),
    _e("7 nights on ward 12, bed 3"),
    _e("1 in 3 staff were agency"),
    _e("insulin 10 units at 8pm"),
    _e("the 2 o'clock clinic started at 3.15"),
    _e("100 percent recommend"),
    _e("tablets 0.5mg, 1mg, 2mg over 3 weeks"),
    _e("flat 12, 3rd floor"),
    _e("the number 42 bus stops outside"),
    _e("my 4th visit this year"),
    _e("call 0800 for help they said"),
    _e("Temperature 38.5 and heart rate 110"),
    _e("I am 85 years old"),
    _e("QQ 12 34 56 C is the example number on the form"),
    _e("BG 12 34 56 A is not a real NI prefix"),
    _e("code AB 12 34 56 E on the box"),
    _e("at 12 34 56 a glance it looked fine"),
    _e("no email given, just @reception on twitter"),
    _e("Ratio 1:2 nurses"),
    _e("Scored 7/10, 8/10 and 9/10"),
    _e("GP surgery open 8-6:30 weekdays"),
    _e("£20 for 10 hours"),
    _e("height 5ft 10in"),
    _e("I'm in bay 4, side room 2"),
    _e("dose changed from 2.5mg to 5mg on 12/12/2023"),
    _e("1000 thanks to everyone"),
    _e("A1 service from start to finish"),
    _e("waited 2-3 weeks for results"),
    _e("Everyone on ward 22 was lovely and kind"),
    _e("The nurses were kind but the food was cold"),
    _e("Nothing"),
    _e("parking was a nightmare, no spaces after 9"),
    # Look-alikes for the bare-domain and date-of-birth rules (issue 21).
    _e("Lots to improve, e.g. parking, i.e. more spaces"),
    _e("Dr.Smith and Mr.Jones were great, thanks to N.Tees too"),
    _e("seen at 9 a.m. and gone by 5 p.m. etc."),
    _e("St.James wing, No.1 clinic"),
    _e("the ward was clean.It was quiet.So I slept"),
    _e("they emailed report.pdf and notes.docx"),
    _e("Version 2.0 of the app is better"),
    _e("the U.K. needs more nurses"),
    _e("my baby was born 6 weeks early"),
    _e("born at 27 weeks and now doing well"),
    _e("my birthday is 3rd May and I spent it here"),
    _e("DOB was wrong on the letter"),
    _e("12/03/2024 was my birthday and I spent it on the ward"),
    _e("gave birth on 2nd of June after 30 hours"),
]

# Name cases for ``redact(text, names=True)``; not counted in the per-kind metrics above.
NAME_CASES: list[Entry] = [
    _e("Dr Smith was very kind", (NAME, "Smith")),
    _e("Nurse Jane looked after me all night", (NAME, "Jane")),
    _e("Mrs Patel on reception was rude", (NAME, "Patel")),
    _e("my name is Sarah Jones and nobody called me back", (NAME, "Sarah Jones")),
    _e("a lovely nurse called Bridget", (NAME, "Bridget")),
    _e("Dr. O'Neill and Mr McDonald explained everything", (NAME, "O'Neill"), (NAME, "McDonald")),
    _e("Prof Smith-Jones did my operation", (NAME, "Smith-Jones")),
    _e("My Mum was seen quickly"),
    _e("I called NHS 111 and then my GP"),
    _e("they called Monday to say it was cancelled"),
    _e("the ward called Oak was spotless"),
    _e("the doctor called me back"),
    _e("Nurse Practitioner appointments are hard to get"),
    _e("I had COVID in March"),
    _e("Dad was called Dad by everyone"),
]
