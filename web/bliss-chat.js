/* Starts the clinic's chat widget (rasa-webchat) in the page corner.
 * The socket URL comes from this script tag's data-socket-url attribute, so the same file
 * works on the demo page and on the clinic's site. Bot and visitor text is shown as text:
 * rasa-webchat renders bot text as Markdown with HTML escaped, and visitor text as plain text. */
(function () {
  "use strict";
  var script = document.currentScript;
  var socketUrl = script.getAttribute("data-socket-url");
  var title = script.getAttribute("data-title") || "Chat";
  // The widget's own words, in the browser's language (English or Spanish). The first message asks
  // for the greeting in that language; its buttons let the visitor switch (English / Español).
  var spanish = (navigator.language || "").toLowerCase().indexOf("es") === 0;
  var words = spanish
    ? { subtitle: "Preguntas sobre la naltrexona en dosis baja", hint: "Escriba su pregunta sobre la LDN...",
        start: '/greet{"language": "es"}' }
    : { subtitle: "Questions about low-dose naltrexone", hint: "Ask a question about LDN...", start: "/greet" };
  window.WebChat.default(
    {
      socketUrl: socketUrl,
      socketPath: "/socket.io/",
      title: title,
      subtitle: words.subtitle,
      inputTextFieldHint: words.hint,
      initPayload: words.start,
      // "session": the conversation survives reloads and is forgotten when the tab closes
      // (a shared computer in a waiting room should not show the last patient's questions).
      params: { storage: "session" },
      showMessageDate: false,
      // Short pauses between bubbles: long enough to read as separate messages.
      customMessageDelay: function (message) {
        return Math.min(900, 250 + 3 * message.length);
      },
    },
    document.getElementById("bliss-chat")
  );
})();
